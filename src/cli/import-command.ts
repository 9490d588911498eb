/**
 * `relais import FILE|DIR [-o OUT] [--json]`: converts n8n exports (one workflow, an array, an API
 * page or an n8n.io template) to Relais workflow files. One file without `-o`: the Relais JSON on
 * stdout, the report on stderr. With `-o OUT`: one file per workflow under OUT, a progress bar on a
 * terminal (plain lines otherwise), then a summary. `--json`: a machine-readable result on stdout.
 * Exit 0 when every file was converted (unsupported nodes included), 1 when some file or workflow
 * failed, 2 for bad arguments.
 */
import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { formatProblem } from '../engine/validate.js';
import { type ImportResult, importPath } from '../n8n/import-dir.js';
import { credentialsToRecreate, formatReport, formatSummary, summarize } from '../n8n/report.js';
import { type Io, processIo } from './io.js';

const USAGE = 'usage: relais import FILE|DIR [-o OUT] [--json]';

/** Where the progress bar goes: a terminal gets `\r` updates, anything else one line per file. */
export interface ProgressSink {
  isTTY: boolean;
  write(text: string): void;
}

function defaultProgress(io: Io): ProgressSink {
  if (io === processIo && process.stderr.isTTY) return { isTTY: true, write: (t) => process.stderr.write(t) };
  return { isTTY: false, write: (t) => io.err(t.replace(/\n$/, '')) };
}

const BAR = 24;

function progressLine(done: number, total: number, file: string): string {
  const filled = Math.round((done / Math.max(1, total)) * BAR);
  const name = file.length > 40 ? `…${file.slice(-39)}` : file;
  return `\r[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${done}/${total} ${name}\u001b[K`;
}

function outcomeText(result: ImportResult): string {
  if (result.failures.length > 0) return `failed: ${result.failures.map((f) => f.message).join('; ')}`;
  const parts = result.workflows.map((w) => {
    const issues = [
      w.report.unsupported.length > 0 ? `${w.report.unsupported.length} unsupported node(s)` : '',
      w.problems.length > 0 ? `${w.problems.length} problem(s)` : '',
    ].filter(Boolean);
    return issues.length > 0 ? `${w.report.workflow} (${issues.join(', ')})` : w.report.workflow;
  });
  return `ok: ${parts.join(', ')}`;
}

export async function importCommand(
  args: string[],
  io: Io,
  progress: ProgressSink = defaultProgress(io),
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    io.err(`relais import: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    io.err(`relais import: give exactly one file or folder\n${USAGE}`);
    return 2;
  }
  const input = positionals[0];
  let isDir: boolean;
  try {
    isDir = (await stat(input)).isDirectory();
  } catch (error) {
    io.err(`relais import: cannot read ${input}: ${(error as Error).message}`);
    return 2;
  }
  if (isDir && !values.output && !values.json) {
    io.err(`relais import: a folder needs -o OUT (where to write the Relais files)\n${USAGE}`);
    return 2;
  }

  const showProgress = isDir && !values.json;
  const result = await importPath(input, {
    outDir: values.output,
    onFile: showProgress
      ? (done, total, file, outcome) => {
          const name = relative(input, file) || file;
          if (progress.isTTY) progress.write(progressLine(done, total, name));
          else progress.write(`[${done}/${total}] ${name}: ${outcomeText(outcome)}\n`);
        }
      : undefined,
  });
  if (showProgress && progress.isTTY) progress.write('\n');

  const failed = result.failures.length + result.workflows.filter((w) => w.problems.length > 0).length;
  const summary = summarize(result.workflows.map((w) => w.report));
  if (values.json) {
    io.out(
      JSON.stringify({
        workflows: result.workflows.map((w) => ({
          file: w.file,
          index: w.index,
          ...(w.output ? { output: w.output } : { workflow: w.workflow }),
          report: { ...w.report, credentialsToRecreate: credentialsToRecreate(w.report) },
          problems: w.problems,
        })),
        failures: result.failures,
        summary,
      }),
    );
    return failed > 0 ? 1 : 0;
  }

  if (!values.output) {
    // One file to stdout: the workflow(s) as Relais JSON, the report beside it.
    const docs = result.workflows.map((w) => w.workflow);
    if (docs.length > 0) io.out(JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 2));
  }
  for (const failure of result.failures) io.err(`${failure.file}: ${failure.message}`);
  for (const w of result.workflows) {
    if (!isDir || w.report.unsupported.length > 0 || w.problems.length > 0) {
      for (const line of formatReport(w.report)) io.err(line);
    }
    for (const p of w.problems) io.err(`  problem: ${formatProblem(p)}`);
    if (w.output && !isDir) io.err(`  written to ${w.output}`);
  }
  if (isDir || result.workflows.length > 1)
    for (const line of formatSummary(summary, result.failures.length)) io.err(line);
  return failed > 0 ? 1 : 0;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { output: { type: 'string', short: 'o' }, json: { type: 'boolean' } },
  });
}
