/** Every node type Relais ships. Adding a node is adding its file and one line here. */
import { NodeRegistry } from '../engine/registry.js';
import { errorTriggerNode } from './error-trigger.node.js';
import { manualTriggerNode } from './manual-trigger.node.js';
import { noOpNode } from './no-op.node.js';
import type { AnyNodeDefinition } from './sdk.js';

export const coreNodes: readonly AnyNodeDefinition[] = [manualTriggerNode, errorTriggerNode, noOpNode];

export function createRegistry(extra: readonly AnyNodeDefinition[] = []): NodeRegistry {
  return new NodeRegistry([...coreNodes, ...extra]);
}
