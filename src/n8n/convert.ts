/**
 * n8n workflow JSON → Relais workflow. Relais' core nodes take the parameters of n8n's latest
 * typeVersion, so for those versions a node converts as it is; older versions get a mapper (see
 * `mappers`). Node names are kept exactly: expressions refer to them.
 */
import type { Connection, Workflow, WorkflowInput } from '../engine/workflow.js';

const PREFIX = 'n8n-nodes-base.';

export interface N8nNode {
  id?: string;
  name: string;
  type: string;
  typeVersion?: number;
  position?: [number, number];
  parameters?: Record<string, unknown>;
  credentials?: Record<string, { id?: string | null; name: string }>;
  disabled?: boolean;
  notes?: string;
  notesInFlow?: boolean;
  alwaysOutputData?: boolean;
  executeOnce?: boolean;
  retryOnFail?: boolean;
  maxTries?: number;
  waitBetweenTries?: number;
  continueOnFail?: boolean;
  onError?: 'stopWorkflow' | 'continueRegularOutput' | 'continueErrorOutput';
  webhookId?: string;
}

export interface N8nWorkflow {
  id?: string;
  name?: string;
  nodes: N8nNode[];
  connections: Record<string, Record<string, ({ node: string; type: string; index: number }[] | null)[]>>;
  settings?: Record<string, unknown>;
  pinData?: unknown;
}

export interface ConversionReport {
  mapped: string[];
  unsupported: { node: string; type: string }[];
  ignored: { node: string; what: string }[];
  credentials: { node: string; type: string; name: string }[];
}

/** n8n export (connections keyed by node name, `n8n-nodes-base.*` types) rather than a Relais document. */
export function isN8nWorkflow(doc: unknown): doc is N8nWorkflow {
  if (typeof doc !== 'object' || doc === null) return false;
  const { nodes, connections } = doc as { nodes?: unknown; connections?: unknown };
  return (
    Array.isArray(nodes) &&
    typeof connections === 'object' &&
    connections !== null &&
    !Array.isArray(connections)
  );
}

/** Node types Relais runs, by n8n type (without prefix) → Relais type. */
const SUPPORTED = new Set([
  'manualTrigger',
  'set',
  'if',
  'switch',
  'filter',
  'merge',
  'code',
  'noOp',
  'stopAndError',
  'splitOut',
  'aggregate',
  'sort',
  'limit',
  'removeDuplicates',
  'summarize',
  'dateTime',
  'splitInBatches',
  'crypto',
]);

export function convertN8nWorkflow(source: N8nWorkflow): {
  workflow: WorkflowInput;
  report: ConversionReport;
} {
  const report: ConversionReport = { mapped: [], unsupported: [], ignored: [], credentials: [] };
  const nodes: Workflow['nodes'] = [];
  const kept = new Set<string>();
  for (const n of source.nodes) {
    const shortType = n.type.startsWith(PREFIX) ? n.type.slice(PREFIX.length) : n.type;
    if (shortType === 'stickyNote') {
      report.ignored.push({ node: n.name, what: 'sticky note' });
      continue;
    }
    if (SUPPORTED.has(shortType)) report.mapped.push(n.name);
    else report.unsupported.push({ node: n.name, type: n.type });
    for (const [type, ref] of Object.entries(n.credentials ?? {})) {
      report.credentials.push({ node: n.name, type, name: ref.name });
    }
    kept.add(n.name);
    nodes.push({
      id: n.id ?? n.name,
      name: n.name,
      type: SUPPORTED.has(shortType) ? shortType : n.type,
      typeVersion: 1,
      position: n.position ?? [0, 0],
      parameters: n.parameters ?? {},
      ...(n.credentials
        ? {
            credentials: Object.fromEntries(
              Object.entries(n.credentials).map(([k, v]) => [
                k,
                v.id ? { id: v.id, name: v.name } : { name: v.name },
              ]),
            ),
          }
        : {}),
      disabled: n.disabled ?? false,
      ...(n.notes ? { notes: n.notes } : {}),
      ...(n.retryOnFail
        ? {
            retry: {
              maxTries: n.maxTries ?? 3,
              backoff: 'fixed' as const,
              delayMs: n.waitBetweenTries ?? 1000,
              jitter: 0,
            },
          }
        : {}),
      onError: onError(n),
      alwaysOutputData: n.alwaysOutputData ?? false,
      executeOnce: n.executeOnce ?? false,
      ...(n.webhookId ? { webhookId: n.webhookId } : {}),
    });
  }

  const connections: Connection[] = [];
  for (const [from, byType] of Object.entries(source.connections)) {
    if (!kept.has(from)) continue;
    (byType.main ?? []).forEach((targets, output) => {
      for (const t of targets ?? [])
        if (kept.has(t.node)) connections.push({ from, output, to: t.node, input: t.index });
    });
    for (const type of Object.keys(byType)) {
      if (type !== 'main') report.ignored.push({ node: from, what: `'${type}' connections (AI sub-nodes)` });
    }
  }

  const s = source.settings ?? {};
  const settings: Record<string, unknown> = {};
  if (typeof s.timezone === 'string' && s.timezone !== 'DEFAULT') settings.timezone = s.timezone;
  if (typeof s.errorWorkflow === 'string' && s.errorWorkflow) settings.errorWorkflow = s.errorWorkflow;
  settings.saveData = saveData(s);
  if (source.pinData && Object.keys(source.pinData).length > 0)
    report.ignored.push({ node: '(workflow)', what: 'pinned data' });

  return {
    workflow: {
      ...(source.id ? { id: String(source.id) } : {}),
      name: source.name ?? 'Imported workflow',
      nodes,
      connections,
      settings: settings as WorkflowInput['settings'],
    },
    report,
  };
}

function onError(n: N8nNode): 'stop' | 'continue' | 'errorOutput' {
  if (n.onError === 'continueErrorOutput') return 'errorOutput';
  if (n.onError === 'continueRegularOutput' || (n.onError === undefined && n.continueOnFail))
    return 'continue';
  return 'stop';
}

/** n8n keeps success and error executions by two settings; Relais has one policy. */
function saveData(s: Record<string, unknown>): 'all' | 'errors' | 'none' {
  const success = s.saveDataSuccessExecution !== 'none';
  const errors = s.saveDataErrorExecution !== 'none';
  if (success) return 'all';
  return errors ? 'errors' : 'none';
}
