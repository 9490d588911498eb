/**
 * The import report: per workflow, what was converted, what was not, what changed on the way, and
 * which credentials to recreate (n8n exports only their type and name, never the secrets). A folder
 * import adds a summary across workflows.
 */

export interface ReportEntry {
  node: string;
  what: string;
  /** The parameter concerned, when the entry is about one. */
  parameter?: string;
  why?: string;
}

export interface ConversionReport {
  /** Workflow name. */
  workflow: string;
  /** Names of the nodes converted to a Relais node. */
  mapped: string[];
  /** Converted nodes by n8n type (`n8n-nodes-base.set`: 3). */
  mappedTypes: Record<string, number>;
  /** Nodes kept as `unsupported` placeholders, with their n8n type. */
  unsupported: { node: string; type: string }[];
  /** What Relais drops: parameters it does not use, AI sub-node connections, pinned data. */
  ignored: ReportEntry[];
  /** Parameters converted to a form that may behave differently from n8n. */
  changed: { node: string; parameter: string; why: string }[];
  /** Credential references, one per node and slot (n8n exports no secrets). */
  credentials: { node: string; type: string; name: string }[];
  /** Expression features Relais refuses, and other things to look at. */
  warnings: { node?: string; message: string }[];
  /** False while unsupported nodes remain: the workflow is saved but cannot be activated. */
  activatable: boolean;
}

export function emptyReport(workflow: string): ConversionReport {
  return {
    workflow,
    mapped: [],
    mappedTypes: {},
    unsupported: [],
    ignored: [],
    changed: [],
    credentials: [],
    warnings: [],
    activatable: true,
  };
}

export interface CredentialToRecreate {
  type: string;
  name: string;
  /** Nodes (in this workflow) or workflows (in a summary) that use it. */
  usedBy: string[];
}

/** Credentials to create once in Relais, by type and name (a reference resolves by both). */
export function credentialsToRecreate(report: ConversionReport): CredentialToRecreate[] {
  const byKey = new Map<string, CredentialToRecreate>();
  for (const c of report.credentials) {
    const key = `${c.type}\u0000${c.name}`;
    const entry = byKey.get(key) ?? { type: c.type, name: c.name, usedBy: [] };
    if (!entry.usedBy.includes(c.node)) entry.usedBy.push(c.node);
    byKey.set(key, entry);
  }
  return [...byKey.values()].sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
}

export interface ImportSummary {
  workflows: number;
  fullySupported: number;
  withUnsupported: number;
  /** Unsupported n8n node types, most frequent first: nodes and workflows using each. */
  unsupportedTypes: { type: string; nodes: number; workflows: number }[];
  credentials: CredentialToRecreate[];
  /** Workflows with at least one parameter converted with a possible behaviour change. */
  withChanges: number;
  warnings: number;
}

export function summarize(reports: readonly ConversionReport[]): ImportSummary {
  const types = new Map<string, { type: string; nodes: number; workflows: number }>();
  const credentials = new Map<string, CredentialToRecreate>();
  let fullySupported = 0;
  let withChanges = 0;
  let warnings = 0;
  for (const report of reports) {
    if (report.unsupported.length === 0) fullySupported++;
    if (report.changed.length > 0) withChanges++;
    warnings += report.warnings.length;
    const seen = new Set<string>();
    for (const { type } of report.unsupported) {
      const entry = types.get(type) ?? { type, nodes: 0, workflows: 0 };
      entry.nodes++;
      if (!seen.has(type)) entry.workflows++;
      seen.add(type);
      types.set(type, entry);
    }
    for (const c of credentialsToRecreate(report)) {
      const key = `${c.type}\u0000${c.name}`;
      const entry = credentials.get(key) ?? { type: c.type, name: c.name, usedBy: [] };
      if (!entry.usedBy.includes(report.workflow)) entry.usedBy.push(report.workflow);
      credentials.set(key, entry);
    }
  }
  return {
    workflows: reports.length,
    fullySupported,
    withUnsupported: reports.length - fullySupported,
    unsupportedTypes: [...types.values()].sort(
      (a, b) => b.nodes - a.nodes || b.workflows - a.workflows || a.type.localeCompare(b.type),
    ),
    credentials: [...credentials.values()].sort(
      (a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name),
    ),
    withChanges,
    warnings,
  };
}

/** The report as text lines for a terminal. */
export function formatReport(report: ConversionReport): string[] {
  const lines: string[] = [];
  const total = report.mapped.length + report.unsupported.length;
  const state = report.activatable
    ? 'can be activated'
    : 'cannot be activated until its unsupported nodes are replaced';
  lines.push(`${report.workflow}: ${report.mapped.length}/${total} node(s) converted, ${state}`);
  for (const u of report.unsupported) lines.push(`  unsupported: '${u.node}' (${u.type})`);
  for (const c of report.changed) lines.push(`  changed: '${c.node}' ${c.parameter}: ${c.why}`);
  for (const i of report.ignored) lines.push(`  ignored: '${i.node}' ${i.what}`);
  for (const w of report.warnings) lines.push(`  warning: ${w.node ? `'${w.node}' ` : ''}${w.message}`);
  for (const c of credentialsToRecreate(report)) {
    lines.push(`  credential to recreate: ${c.type} '${c.name}' (used by ${c.usedBy.join(', ')})`);
  }
  return lines;
}

/** The summary of a folder import as text lines. */
export function formatSummary(summary: ImportSummary, failed: number): string[] {
  const lines = [
    `${summary.workflows} workflow(s) imported${failed > 0 ? `, ${failed} file(s) failed` : ''}`,
    `  fully supported:        ${summary.fullySupported}`,
    `  with unsupported nodes: ${summary.withUnsupported}`,
  ];
  if (summary.withChanges > 0)
    lines.push(`  with changed parameters: ${summary.withChanges} (see each report)`);
  if (summary.unsupportedTypes.length > 0) {
    lines.push('unsupported node types (nodes, workflows):');
    for (const t of summary.unsupportedTypes) lines.push(`  ${t.nodes}\t${t.workflows}\t${t.type}`);
  }
  if (summary.credentials.length > 0) {
    lines.push('credentials to recreate (type, name, workflows):');
    for (const c of summary.credentials) lines.push(`  ${c.type}\t${c.name}\t${c.usedBy.length}`);
  }
  return lines;
}
