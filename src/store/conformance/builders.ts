/** Small builders so each test states only what it is about. */
import type { Checkpoint, NewRun, StepRecord } from '../../engine/ports.js';
import type { Workflow } from '../../engine/workflow.js';

export const T0 = new Date('2025-03-04T05:06:07.089Z');

export function at(offsetMs: number): Date {
  return new Date(T0.getTime() + offsetMs);
}

export function newRun(id: string, overrides: Partial<NewRun> = {}): NewRun {
  return {
    id,
    workflowId: 'wf-1',
    workflowVersion: 1,
    mode: 'manual',
    triggerItems: [{ json: { hello: 'world' } }],
    createdAt: T0,
    ...overrides,
  };
}

export function checkpoint(node = 'Next'): Checkpoint {
  return {
    stack: [{ node, inputs: [{ step: 0, output: 0 }], sources: [{ node: 'Start', output: 0, run: 0 }] }],
    waiting: [],
    nodeState: {},
  };
}

export function step(runId: string, seq: number, overrides: Partial<StepRecord> = {}): StepRecord {
  return {
    runId,
    seq,
    nodeId: `n${seq}`,
    nodeName: `Node ${seq}`,
    nodeType: 'set',
    runIndex: 0,
    status: 'succeeded',
    startedAt: at(seq * 10),
    finishedAt: at(seq * 10 + 7),
    inputCount: 1,
    outputCounts: [1],
    sources: [{ node: 'Start', output: 0, run: 0 }],
    input: [[{ json: { seq } }]],
    output: [[{ json: { seq, done: true } }]],
    error: null,
    logs: [],
    ...overrides,
  };
}

export function workflow(name: string, nodeCount = 1): Workflow {
  return {
    name,
    nodes: Array.from({ length: nodeCount }, (_, i) => ({
      id: `n${i}`,
      name: `Node ${i}`,
      type: 'set',
      typeVersion: 1,
      position: [i * 100, 0] as [number, number],
      parameters: { value: `={{ $json.x${i} }}` },
      disabled: false,
      onError: 'stop' as const,
      alwaysOutputData: false,
      executeOnce: false,
    })),
    connections: [],
    settings: { saveData: 'all', executionOrder: 'v1' },
  };
}

/** Items of roughly `count` × 100 bytes, with nesting and non-ASCII text. */
export function items(count: number): StepRecord['output'] {
  return [
    Array.from({ length: count }, (_, i) => ({
      json: { i, name: `Zoë ${i}`, tags: ['a', 'b'], nested: { ok: i % 2 === 0, score: i / 3 } },
      pairedItem: { item: i },
    })),
  ];
}
