/**
 * n8n workflow JSON → Relais workflow. Relais nodes take the parameters of n8n's latest typeVersion
 * of each node, so every n8n node goes through the mapper of its type (`mappers/`), which reads the
 * parameters of the node's own typeVersion, fills that version's defaults and writes the latest
 * shape. Node names are kept exactly (expressions refer to them), connections are re-pointed where a
 * mapper changes a node's outputs, and whatever has no Relais node type becomes an `unsupported`
 * placeholder that keeps the n8n node as it was: the workflow can be saved, but not activated.
 */
import type { Connection, Workflow, WorkflowInput } from '../engine/workflow.js';
import { createRegistry } from '../nodes/registry.js';
import { UNSUPPORTED_TYPE } from '../nodes/unsupported.node.js';
import { MAPPERS } from './mappers/index.js';
import { rewriteLegacyLoops } from './mappers/split-in-batches.js';
import { clone, isRecord } from './params.js';
import { type ConversionReport, emptyReport } from './report.js';
import { literalTemplates, scanParameters } from './scan.js';
import { settingsOf } from './settings.js';
import { type MapContext, type MappedNode, N8N_PREFIX, type N8nNode, type N8nWorkflow } from './types.js';

export type { ConversionReport } from './report.js';
export type { N8nNode, N8nWorkflow } from './types.js';

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

export interface ConvertOptions {
  /** Which Relais node types exist; default: the node types Relais ships. */
  hasType?: (type: string) => boolean;
}

let shipped: ((type: string) => boolean) | undefined;

function shippedTypes(): (type: string) => boolean {
  if (!shipped) {
    const registry = createRegistry();
    shipped = (type) => registry.get(type) !== undefined;
  }
  return shipped;
}

/** How one n8n node ended up, for the connection pass. */
interface Converted {
  node: Workflow['nodes'][number];
  /** n8n regular output → Relais outputs; absent = same index. */
  outputs?: number[][];
}

export function convertN8nWorkflow(
  source: N8nWorkflow,
  options: ConvertOptions = {},
): { workflow: WorkflowInput; report: ConversionReport } {
  const hasType = options.hasType ?? shippedTypes();
  const report = emptyReport(
    typeof source.name === 'string' && source.name ? source.name : 'Imported workflow',
  );
  const converted = new Map<string, Converted>();
  const usage = connectionUsage(source);

  for (const n of source.nodes) {
    if (!n || typeof n.name !== 'string' || typeof n.type !== 'string') continue;
    for (const [type, ref] of Object.entries(n.credentials ?? {})) {
      if (isRecord(ref) && typeof ref.name === 'string')
        report.credentials.push({ node: n.name, type, name: ref.name });
    }
    const mapped = mapNode(n, report, hasType);
    const node = baseNode(n, report);
    if (mapped) {
      node.type = mapped.type;
      node.parameters = mapped.parameters;
      if (mapped.type !== 'stickyNote') {
        report.mapped.push(n.name);
        report.mappedTypes[n.type] = (report.mappedTypes[n.type] ?? 0) + 1;
        scanNode(n.name, mapped.parameters, report);
      }
    } else {
      node.type = UNSUPPORTED_TYPE;
      node.parameters = placeholderParameters(n, usage.get(n.name));
      report.unsupported.push({ node: n.name, type: n.type });
    }
    converted.set(n.name, { node, outputs: mapped?.outputs });
  }

  const connections = convertConnections(source, converted, report);
  const nodes = [...converted.values()].map((c) => c.node);
  const workflow: Workflow = {
    ...(source.id !== undefined && source.id !== null && String(source.id) !== ''
      ? { id: String(source.id) }
      : {}),
    name: report.workflow,
    nodes,
    connections,
    settings: settingsOf(source, report),
  };
  rewriteLegacyLoops(workflow, source, report);
  if (source.pinData && isRecord(source.pinData) && Object.keys(source.pinData).length > 0) {
    report.ignored.push({ node: '(workflow)', what: 'pinned data (Relais runs always use live data)' });
  }
  report.activatable = !workflow.nodes.some((n) => n.type === UNSUPPORTED_TYPE && !n.disabled);
  return { workflow: workflow as WorkflowInput, report };
}

function shortType(type: string): string | undefined {
  return type.startsWith(N8N_PREFIX) ? type.slice(N8N_PREFIX.length) : undefined;
}

/** The mapper's result, or undefined when the node stays an n8n placeholder. */
function mapNode(
  n: N8nNode,
  report: ConversionReport,
  hasType: (type: string) => boolean,
): MappedNode | undefined {
  const short = shortType(n.type);
  const mapper = short === undefined ? undefined : MAPPERS[short];
  if (!mapper) return undefined;
  const version = typeof n.typeVersion === 'number' ? n.typeVersion : 1;
  const notes: Pick<ConversionReport, 'changed' | 'ignored' | 'warnings'> = {
    changed: [],
    ignored: [],
    warnings: [],
  };
  const ctx: MapContext = {
    node: n,
    version,
    changed(parameter, why) {
      if (!notes.changed.some((c) => c.parameter === parameter && c.why === why)) {
        notes.changed.push({ node: n.name, parameter, why });
      }
    },
    ignored(parameter, why) {
      notes.ignored.push({ node: n.name, what: `parameter '${parameter}': ${why}`, parameter, why });
    },
    warn(message) {
      notes.warnings.push({ node: n.name, message });
    },
  };
  let mapped: MappedNode;
  try {
    mapped = mapper(clone(isRecord(n.parameters) ? n.parameters : {}), ctx);
  } catch (error) {
    report.warnings.push({ node: n.name, message: `kept unsupported: ${(error as Error).message}` });
    return undefined;
  }
  if (!hasType(mapped.type)) return undefined;
  report.changed.push(...notes.changed);
  report.ignored.push(...notes.ignored);
  report.warnings.push(...notes.warnings);
  return mapped;
}

/** Everything but the type and parameters: names, flags, retry and error settings, credentials. */
function baseNode(n: N8nNode, report: ConversionReport): Workflow['nodes'][number] {
  const credentials = Object.entries(n.credentials ?? {}).filter(
    ([, ref]) => isRecord(ref) && typeof ref.name === 'string' && ref.name !== '',
  );
  const node: Workflow['nodes'][number] = {
    id: typeof n.id === 'string' && n.id !== '' ? n.id : n.name,
    name: n.name,
    type: n.type,
    typeVersion: 1,
    position:
      Array.isArray(n.position) && n.position.length === 2
        ? [Number(n.position[0]) || 0, Number(n.position[1]) || 0]
        : [0, 0],
    parameters: {},
    disabled: n.disabled === true,
    onError: onError(n),
    alwaysOutputData: n.alwaysOutputData === true,
    executeOnce: n.executeOnce === true,
  };
  if (credentials.length > 0) {
    node.credentials = Object.fromEntries(
      credentials.map(([slot, ref]) => [
        slot,
        ref.id !== undefined && ref.id !== null && String(ref.id) !== ''
          ? { id: String(ref.id), name: ref.name }
          : { name: ref.name },
      ]),
    );
  }
  if (typeof n.notes === 'string' && n.notes !== '') node.notes = n.notes;
  if (typeof n.webhookId === 'string' && n.webhookId !== '') node.webhookId = n.webhookId;
  if (n.retryOnFail === true) {
    const maxTries = Math.min(20, Math.max(1, Math.trunc(Number(n.maxTries ?? 3)) || 3));
    const delayMs = Math.min(86_400_000, Math.max(0, Math.trunc(Number(n.waitBetweenTries ?? 1000)) || 0));
    if (maxTries !== Number(n.maxTries ?? 3))
      report.changed.push({ node: n.name, parameter: 'maxTries', why: `limited to ${maxTries}` });
    node.retry = { maxTries, backoff: 'fixed', delayMs, jitter: 0 };
  }
  return node;
}

function onError(n: N8nNode): 'stop' | 'continue' | 'errorOutput' {
  if (n.onError === 'continueErrorOutput') return 'errorOutput';
  if (n.onError === 'continueRegularOutput' || (n.onError === undefined && n.continueOnFail === true))
    return 'continue';
  return 'stop';
}

/** How many main inputs and outputs each node uses in the n8n connections (for placeholders). */
function connectionUsage(source: N8nWorkflow): Map<string, { inputs: number; outputs: number }> {
  const usage = new Map<string, { inputs: number; outputs: number }>();
  const get = (name: string) => {
    const entry = usage.get(name) ?? { inputs: 0, outputs: 0 };
    usage.set(name, entry);
    return entry;
  };
  for (const [from, byType] of Object.entries(isRecord(source.connections) ? source.connections : {})) {
    const main = isRecord(byType) && Array.isArray(byType.main) ? byType.main : [];
    main.forEach((targets, output) => {
      if (!Array.isArray(targets) || targets.length === 0) return;
      get(from).outputs = Math.max(get(from).outputs, output + 1);
      for (const t of targets)
        if (isRecord(t) && typeof t.node === 'string')
          get(t.node).inputs = Math.max(get(t.node).inputs, (Number(t.index) || 0) + 1);
    });
  }
  return usage;
}

function placeholderParameters(
  n: N8nNode,
  used: { inputs: number; outputs: number } | undefined,
): Record<string, unknown> {
  const isTrigger = /trigger$/i.test(n.type) || (used?.inputs ?? 0) === 0;
  // With an error output, the highest connected index is taken to be it.
  const regular =
    (used?.outputs ?? 1) - (n.onError === 'continueErrorOutput' && (used?.outputs ?? 0) > 1 ? 1 : 0);
  return {
    n8nType: n.type,
    ...(typeof n.typeVersion === 'number' ? { n8nTypeVersion: n.typeVersion } : {}),
    parameters: clone(isRecord(n.parameters) ? n.parameters : {}),
    inputs: isTrigger ? 0 : Math.max(1, used?.inputs ?? 1),
    outputs: Math.max(1, regular),
  };
}

function convertConnections(
  source: N8nWorkflow,
  converted: Map<string, Converted>,
  report: ConversionReport,
): Connection[] {
  const connections: Connection[] = [];
  for (const [from, byType] of Object.entries(isRecord(source.connections) ? source.connections : {})) {
    const origin = converted.get(from);
    if (!origin || !isRecord(byType)) continue;
    for (const type of Object.keys(byType)) {
      if (type !== 'main') report.ignored.push({ node: from, what: `'${type}' connections (AI sub-nodes)` });
    }
    const main = Array.isArray(byType.main) ? byType.main : [];
    main.forEach((targets, output) => {
      for (const t of Array.isArray(targets) ? targets : []) {
        if (!isRecord(t) || typeof t.node !== 'string' || !converted.has(t.node)) continue;
        if (origin.node.type === 'stickyNote' || converted.get(t.node)?.node.type === 'stickyNote') {
          report.ignored.push({
            node: from,
            what: `connection to '${t.node}': sticky notes have no inputs or outputs`,
          });
          continue;
        }
        const input = Number(t.index) || 0;
        for (const out of relaisOutputs(origin, output, from, report))
          connections.push({ from, output: out, to: t.node, input });
      }
    });
  }
  return connections;
}

/** Where the connections of n8n output `output` go in Relais. */
function relaisOutputs(
  origin: Converted,
  output: number,
  from: string,
  report: ConversionReport,
): (number | string)[] {
  const placeholder = origin.node.type === UNSUPPORTED_TYPE;
  const regular = placeholder ? Number(origin.node.parameters.outputs) : origin.outputs?.length;
  if (regular !== undefined && output >= regular) {
    if (origin.node.onError === 'errorOutput') return ['error'];
    report.ignored.push({
      node: from,
      what: `connections of output ${output}, which the node does not have`,
    });
    return [];
  }
  if (placeholder || !origin.outputs) return [output];
  return origin.outputs[output];
}

function scanNode(name: string, parameters: Record<string, unknown>, report: ConversionReport): void {
  for (const finding of scanParameters(parameters)) {
    report.warnings.push({ node: name, message: `${finding.parameter}: ${finding.message}` });
  }
  const literal = literalTemplates(parameters);
  if (literal.length > 0) {
    report.warnings.push({
      node: name,
      message: `${literal.join(', ')}: text with {{ }} but no leading '=' is literal text (as in n8n), not an expression`,
    });
  }
}
