/** Node types by name: the engine's view of `src/nodes/registry.ts`. */
import type { AnyNodeDefinition } from '../nodes/sdk.js';

export class NodeRegistry {
  private readonly byType = new Map<string, AnyNodeDefinition>();

  constructor(definitions: readonly AnyNodeDefinition[]) {
    for (const def of definitions) {
      if (this.byType.has(def.type)) throw new Error(`Node type '${def.type}' is registered twice`);
      this.byType.set(def.type, def);
    }
  }

  get(type: string): AnyNodeDefinition | undefined {
    return this.byType.get(type);
  }

  list(): AnyNodeDefinition[] {
    return [...this.byType.values()];
  }
}
