/**
 * `ExpressionData` for one item: its index, over what the expressions of one node execution share
 * (`ExpressionScope`, built once per execution). Every expression of every item of every node
 * reads through one of these.
 *
 * A class, not `Object.create(scope)`: V8 turns an object into a prototype the first time it is
 * used as one, and each node execution has a scope of its own, so that cost ~3.5 µs per node
 * execution, and the evaluator's property reads, seeing a new prototype every time, went
 * megamorphic: bench/engine.bench.ts's 5-node pipeline, one item, saving off, warm, went
 * ~75 → ~58 µs per run. And an object spread (`{ ...data }`) copied only the item index of such an
 * object; wrap one in an `ItemData` instead.
 */
import type { DateTime } from 'luxon';
import type { Item } from '../engine/items.js';
import type { ExpressionData } from './types.js';

/** What the expressions of one node execution see, but the item. */
export type ExpressionScope = Omit<ExpressionData, 'itemIndex'>;

export class ItemData implements ExpressionData {
  /** `vars`: the scope's, unless given (HTTP Request pagination carries its globals in them). */
  constructor(
    private readonly scope: ExpressionScope,
    readonly itemIndex: number,
    readonly vars: Readonly<Record<string, string>> = scope.vars,
  ) {}

  get runIndex(): number {
    return this.scope.runIndex;
  }
  get prevNode(): ExpressionData['prevNode'] {
    return this.scope.prevNode;
  }
  get workflow(): ExpressionData['workflow'] {
    return this.scope.workflow;
  }
  get execution(): ExpressionData['execution'] {
    return this.scope.execution;
  }
  get timezone(): string {
    return this.scope.timezone;
  }
  get extraGlobals(): ExpressionData['extraGlobals'] {
    return this.scope.extraGlobals;
  }
  inputItems(): readonly Item[] {
    return this.scope.inputItems();
  }
  hasNode(name: string): boolean {
    return this.scope.hasNode(name);
  }
  isExecuted(name: string): boolean {
    return this.scope.isExecuted(name);
  }
  nodeOutput(name: string, output?: number, run?: number): readonly Item[] {
    return this.scope.nodeOutput(name, output, run);
  }
  pairedItem(name: string, itemIndex: number): Item {
    return this.scope.pairedItem(name, itemIndex);
  }
  nodeParameters(name?: string): Record<string, unknown> {
    return this.scope.nodeParameters(name);
  }
  now(): DateTime {
    return this.scope.now();
  }
}
