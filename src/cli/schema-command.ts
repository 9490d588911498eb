/** `relais schema`: prints the workflow document's JSON Schema (for editors and CI checks). */
import { workflowJsonSchema } from '../engine/workflow.js';
import type { Io } from './io.js';

export function schemaCommand(io: Io): number {
  io.out(JSON.stringify(workflowJsonSchema(), null, 2));
  return 0;
}
