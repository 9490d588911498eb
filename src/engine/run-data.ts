/**
 * What has run so far in a run: every node's executions (tasks) with their outputs and where their
 * inputs came from. Expressions read it (`$('X')`, `$node`, `$items()`), and it knows how to follow
 * n8n's pairedItem lineage back from an item to the item of an earlier node it descends from.
 */
import { ExpressionError } from './errors.js';
import { type Item, type ItemSource, pairedItemList } from './items.js';

export interface Task {
  outputs: Item[][];
  /** Per input index: the node/output/run its items came from. */
  sources: (ItemSource | null)[];
}

export class RunData {
  private readonly tasks = new Map<string, Task[]>();

  /** Records a node's execution; returns its run index. */
  add(node: string, task: Task): number {
    const list = this.tasks.get(node);
    // A literal of one, not `[]` and a push: V8 gives an empty array room for 16 on its first
    // push, most nodes run once, and every run in flight holds these (ARCHITECTURE "Memory per
    // run in flight").
    if (!list) this.tasks.set(node, [task]);
    else list.push(task);
    return list ? list.length - 1 : 0;
  }

  runs(node: string): readonly Task[] {
    return this.tasks.get(node) ?? [];
  }

  /** Node names in the order they first ran. */
  nodeNames(): string[] {
    return [...this.tasks.keys()];
  }

  runCount(node: string): number {
    return this.tasks.get(node)?.length ?? 0;
  }

  /** Items of `node`'s output `output` in run `run` (negative = counted from the last run). */
  output(node: string, output = 0, run = -1): Item[] {
    const list = this.tasks.get(node);
    if (!list || list.length === 0) return [];
    const task = list[run < 0 ? list.length + run : run];
    return task?.outputs[output] ?? [];
  }

  /**
   * Follows pairedItem from item `itemIndex` of an input fed by `source` back to the item of node
   * `target` it descends from. Throws n8n's paired-item errors when the lineage is missing.
   */
  pairedItem(target: string, source: ItemSource | null, itemIndex: number): Item {
    const found = this.walk(target, source, itemIndex, new Set());
    if (found) return found;
    if (!this.tasks.has(target)) {
      throw new ExpressionError(`Referenced node is unexecuted`, {
        description: `An expression references the node '${target}', but it hasn't been executed yet.`,
      });
    }
    throw new ExpressionError(`Paired item data for item from node '${target}' is unavailable`, {
      description: `No pairedItem lineage leads from the current item back to '${target}'.`,
    });
  }

  private walk(
    target: string,
    source: ItemSource | null,
    index: number,
    seen: Set<string>,
  ): Item | undefined {
    if (!source) return undefined;
    const key = `${source.node}:${source.run}:${source.output}:${index}`;
    if (seen.has(key)) return undefined;
    seen.add(key);
    const task = this.tasks.get(source.node)?.[source.run];
    const item = task?.outputs[source.output]?.[index];
    if (!task || !item) return undefined;
    if (source.node === target) return item;
    for (const paired of pairedItemList(item)) {
      const found = this.walk(target, task.sources[paired.input ?? 0] ?? null, paired.item, seen);
      if (found) return found;
    }
    return undefined;
  }
}
