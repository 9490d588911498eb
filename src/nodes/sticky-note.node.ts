/**
 * Sticky Note, n8n `n8n-nodes-base.stickyNote` v1 (`packages/nodes-base/nodes/StickyNote/StickyNote.node.ts`):
 * a note on the canvas. No inputs, no outputs, not a trigger, so the engine never executes it. Its
 * parameters keep n8n's names and defaults so that a workflow exported back to n8n keeps its notes.
 */
import { z } from 'zod';
import { defineNode } from './sdk.js';

const DEFAULT_CONTENT =
  "## I'm a note \n**Double click** to edit me. [Guide](https://docs.n8n.io/workflows/sticky-notes/)";

export const stickyNoteNode = defineNode({
  type: 'stickyNote',
  version: 1,
  displayName: 'Sticky Note',
  description: 'A note on the canvas (Markdown). It never runs.',
  group: 'utility',
  replaySafe: true,
  params: z
    .object({
      /** Markdown shown on the canvas. */
      content: z.string().default(DEFAULT_CONTENT),
      height: z.number().default(160),
      width: z.number().default(240),
      /** n8n's colour index (1–7), or a `#rrggbb` colour from newer n8n versions. */
      color: z.union([z.number(), z.string()]).default(1),
    })
    .loose(),
  inputs: 0,
  outputs: [],
  // Unreachable: nothing connects to a note and it is not a trigger.
  execute: () => [],
});
