import { z } from 'zod';
import { NonRetryableError } from '../engine/errors.js';
import { runCode } from '../sandbox/run-code.js';
import { defineNode } from './sdk.js';
import { nodeSettings } from './settings.js';

/**
 * n8n's Code node, typeVersion 2 (`packages/nodes-base/nodes/Code/Code.node.ts`): JavaScript run in
 * the QuickJS sandbox (src/sandbox), once for all items or once per item. `pythonCode` and the
 * editor's `notice` are accepted so n8n exports load, but Python is refused at run time.
 */
const params = z
  .object({
    mode: z.enum(['runOnceForAllItems', 'runOnceForEachItem']).default('runOnceForAllItems'),
    language: z.enum(['javaScript', 'python', 'pythonNative']).default('javaScript'),
    jsCode: z.string().default(''),
    pythonCode: z.string().optional(),
  })
  .loose();

export const codeNode = defineNode({
  type: 'code',
  version: 2,
  displayName: 'Code',
  description: 'Runs custom JavaScript on the items, in a sandbox with a time and memory limit.',
  group: 'transform',
  replaySafe: true,
  params,
  inputs: 1,
  outputs: ['main'],
  async execute(ctx) {
    const { mode, language, jsCode } = ctx.getParams(0);
    if (language !== 'javaScript') {
      throw new NonRetryableError(`Parameter 'language': ${language} is not supported, only JavaScript is`, {
        code: 'INVALID_PARAMETER',
        description: 'Relais runs Code nodes in a JavaScript sandbox. Rewrite this node in JavaScript.',
      });
    }
    if (jsCode.trim() === '') {
      throw new NonRetryableError('No code to execute', {
        code: 'INVALID_PARAMETER',
        description: "Parameter 'jsCode' is empty.",
      });
    }
    // RELAIS_CODE_TIMEOUT_MS / RELAIS_CODE_MEMORY_MB, checked at start (src/nodes/settings.ts).
    const items = await runCode(ctx, { code: jsCode, mode, limits: nodeSettings(ctx).codeLimits });
    return [items];
  },
});
