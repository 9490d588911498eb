/**
 * Node types whose parameters did not change shape across the typeVersions n8n uses (or that have
 * one version), and a few renames: the legacy Start node is a manual trigger.
 */
import { clone, record } from '../params.js';
import type { MappedNode, Mapper, Params } from '../types.js';

/** Parameters as they are, one output unless told. */
export function passThrough(type: string, outputs: number[][] | undefined = [[0]]): Mapper {
  return (p: Params): MappedNode =>
    outputs ? { type, parameters: clone(p), outputs } : { type, parameters: clone(p) };
}

/** Triggers have no input and one output. */
export const mapManualTrigger: Mapper = () => ({ type: 'manualTrigger', parameters: {}, outputs: [[0]] });

/** `n8n-nodes-base.start` (before n8n 1.0): started manual runs, like Manual Trigger. */
export const mapStart: Mapper = () => ({ type: 'manualTrigger', parameters: {}, outputs: [[0]] });

/** Sticky notes keep what a re-export to n8n needs: content, size and colour. */
export const mapStickyNote: Mapper = (p) => {
  const out: Params = {};
  for (const key of ['content', 'height', 'width', 'color'])
    if (p[key] !== undefined) out[key] = clone(p[key]);
  return { type: 'stickyNote', parameters: out, outputs: [] };
};

/** Stop and Error has no output in n8n. */
export const mapStopAndError: Mapper = (p) => ({ type: 'stopAndError', parameters: clone(p), outputs: [] });

/**
 * Summarize 1/1.1: same parameters. 1.0 failed when a field to summarize was missing from every item
 * (unless `options.continueIfFieldNotFound`); 1.1, which Relais implements, never fails on it.
 */
export const mapSummarize: Mapper = (p, ctx) => {
  if (ctx.version < 1.1 && record(p.options).continueIfFieldNotFound !== true) {
    ctx.changed(
      'options.continueIfFieldNotFound',
      'a field missing from every item no longer fails the node',
    );
  }
  return { type: 'summarize', parameters: clone(p), outputs: [[0]] };
};
