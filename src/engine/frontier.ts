/**
 * The run's frontier: what is due next (a stack, so each branch runs to its end before the next,
 * n8n's v1 order) and join nodes waiting for their other inputs. It holds references to step
 * outputs, never items, so it is cheap to checkpoint after every node.
 */
import type { Graph } from './graph.js';
import { isJoin } from './graph.js';
import type { ItemSource } from './items.js';
import type { Checkpoint, FrontierEntry, StepOutputRef } from './ports.js';

/** The trigger's items are not a step's output: they live on the run record. */
export const TRIGGER_REF: StepOutputRef = { step: -1, output: 0 };

export interface Routed {
  to: string;
  input: number;
  ref: StepOutputRef;
  source: ItemSource;
}

export class Frontier {
  constructor(
    readonly stack: FrontierEntry[] = [],
    readonly waiting: FrontierEntry[] = [],
  ) {}

  /** A frontier of its own (driving must not change the checkpoint it starts from). */
  static from(checkpoint: Checkpoint): Frontier {
    return new Frontier(checkpoint.stack.map(copyEntry), checkpoint.waiting.map(copyEntry));
  }

  /**
   * Adds the targets of a finished node. `routes` are in execution order (top-left first); they are
   * pushed in reverse so the first one is on top. Joins collect inputs until every connected input
   * has data, then go on the stack.
   */
  add(graph: Graph, routes: Routed[]): void {
    for (let i = routes.length - 1; i >= 0; i--) {
      const r = routes[i];
      if (!isJoin(graph, r.to)) {
        this.stack.push(entry(r.to, r.input, r.ref, r.source));
        continue;
      }
      let join = this.waiting.find((w) => w.node === r.to && w.inputs[r.input] == null);
      if (!join) {
        join = { node: r.to, inputs: [], sources: [] };
        this.waiting.push(join);
      }
      setAt(join, r.input, r.ref, r.source);
      const connected = graph.connectedInputs.get(r.to) ?? [];
      if (connected.every((k) => join.inputs[k] != null)) {
        this.waiting.splice(this.waiting.indexOf(join), 1);
        this.stack.push(join);
      }
    }
  }

  /** Next entry to execute: the top of the stack, else the oldest join still waiting (partial inputs). */
  next(): FrontierEntry | undefined {
    return this.stack.pop() ?? this.waiting.shift();
  }

  isEmpty(): boolean {
    return this.stack.length === 0 && this.waiting.length === 0;
  }
}

/** Entries are flat records: copied by hand, as structuredClone costs microseconds a call. */
function copyEntry(e: FrontierEntry): FrontierEntry {
  return {
    node: e.node,
    inputs: e.inputs.map((ref) => ref && { ...ref }),
    sources: e.sources.map((source) => source && { ...source }),
  };
}

function entry(node: string, input: number, ref: StepOutputRef, source: ItemSource): FrontierEntry {
  // The first input, as most are, in literals of one (see RunData.add).
  if (input === 0) return { node, inputs: [ref], sources: [source] };
  const e: FrontierEntry = { node, inputs: [], sources: [] };
  setAt(e, input, ref, source);
  return e;
}

function setAt(e: FrontierEntry, input: number, ref: StepOutputRef, source: ItemSource): void {
  while (e.inputs.length <= input) {
    e.inputs.push(null);
    e.sources.push(null);
  }
  e.inputs[input] = ref;
  e.sources[input] = source;
}
