/**
 * Importing n8n export files: read a file or every `.json` file under a folder, convert each n8n
 * workflow in it, validate the result, and (optionally) write one Relais workflow file per
 * workflow. Pure of any terminal concern: progress is reported through a callback.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative } from 'node:path';
import type { NodeRegistry } from '../engine/registry.js';
import { validateWorkflow } from '../engine/validate.js';
import type { WorkflowInput, WorkflowProblem } from '../engine/workflow.js';
import { createRegistry } from '../nodes/registry.js';
import { convertN8nWorkflow } from './convert.js';
import { n8nWorkflowsIn } from './documents.js';
import type { ConversionReport } from './report.js';

export interface ImportedWorkflow {
  /** The file it came from, and its position there when the file holds several. */
  file: string;
  index: number;
  workflow: WorkflowInput;
  report: ConversionReport;
  /** Problems of the converted document (a Relais node refused a parameter): it needs a fix. */
  problems: WorkflowProblem[];
  /** Where it was written, with an output folder. */
  output?: string;
}

export interface ImportFailure {
  file: string;
  message: string;
}

export interface ImportResult {
  workflows: ImportedWorkflow[];
  failures: ImportFailure[];
}

export interface ImportOptions {
  registry?: NodeRegistry;
  /** Write `<out>/<file relative to the input folder>.json` (one file per workflow). */
  outDir?: string;
  /** Called after each file: its position, the total, and what became of it. */
  onFile?: (done: number, total: number, file: string, outcome: ImportResult) => void;
}

/** The JSON files under `path` (itself when it is a file), sorted, hidden folders skipped. */
export async function jsonFilesUnder(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith('.json')) out.push(full);
    }
  };
  await walk(path);
  return out;
}

/** Converts every n8n workflow of one file. */
export async function importFile(file: string, registry: NodeRegistry): Promise<ImportResult> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const message =
      error instanceof SyntaxError ? `not valid JSON: ${error.message}` : (error as Error).message;
    return { workflows: [], failures: [{ file, message }] };
  }
  const found = n8nWorkflowsIn(doc);
  if (found.length === 0)
    return { workflows: [], failures: [{ file, message: 'no n8n workflow in this file' }] };
  const hasType = (type: string) => registry.get(type) !== undefined;
  const workflows: ImportedWorkflow[] = [];
  const failures: ImportFailure[] = [];
  found.forEach((source, index) => {
    try {
      const { workflow, report } = convertN8nWorkflow(source, { hasType });
      const checked = validateWorkflow(workflow, registry);
      workflows.push({ file, index, workflow, report, problems: checked.ok ? [] : checked.problems });
    } catch (error) {
      failures.push({ file, message: `workflow ${index + 1}: ${(error as Error).message}` });
    }
  });
  return { workflows, failures };
}

function slug(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'workflow'
  );
}

/** `<out>/<relative dir>/<name>.json`, numbered when the file held several workflows. */
function outputPath(root: string, outDir: string, imported: ImportedWorkflow, count: number): string {
  const rel = relative(root, imported.file);
  const dir = join(outDir, dirname(rel));
  const base = basename(rel, extname(rel));
  const name = count === 1 ? base : `${base}-${imported.index + 1}-${slug(imported.report.workflow)}`;
  return join(dir, `${name}.json`);
}

/** Imports a file or a folder; with `outDir`, writes the Relais files. */
export async function importPath(path: string, options: ImportOptions = {}): Promise<ImportResult> {
  const registry = options.registry ?? createRegistry();
  const files = await jsonFilesUnder(path);
  const root = (await stat(path)).isDirectory() ? path : dirname(path);
  const result: ImportResult = { workflows: [], failures: [] };
  for (const [i, file] of files.entries()) {
    const outcome = await importFile(file, registry);
    if (options.outDir) {
      for (const imported of outcome.workflows) {
        imported.output = outputPath(root, options.outDir, imported, outcome.workflows.length);
        await mkdir(dirname(imported.output), { recursive: true });
        await writeFile(imported.output, `${JSON.stringify(imported.workflow, null, 2)}\n`);
      }
    }
    result.workflows.push(...outcome.workflows);
    result.failures.push(...outcome.failures);
    options.onFile?.(i + 1, files.length, file, outcome);
  }
  return result;
}
