/** `relais validate FILE...`: checks workflow files without running them; exit 0 only when all are valid. */
import { formatProblem } from '../engine/validate.js';
import { createRegistry } from '../nodes/registry.js';
import type { Io } from './io.js';
import { loadWorkflowFile } from './load-workflow.js';

export async function validateCommand(files: string[], io: Io): Promise<number> {
  if (files.length === 0) {
    io.err('usage: relais validate FILE...');
    return 2;
  }
  const registry = createRegistry();
  let invalid = 0;
  for (const file of files) {
    const result = await loadWorkflowFile(file, registry);
    if (result.ok) {
      io.out(
        `${file}: ok (${result.workflow.nodes.length} nodes${result.format === 'n8n' ? ', n8n format' : ''})`,
      );
      continue;
    }
    invalid++;
    io.out(`${file}: ${result.problems.length} problem(s)`);
    for (const p of result.problems) io.out(`  ${formatProblem(p)}`);
  }
  return invalid === 0 ? 0 : 1;
}
