/**
 * Shared by the multi-process scale-out tests: spawning `relais` commands on the test PostgreSQL
 * schema and Redis prefix, killing them, free ports, polling a condition with a deadline.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'relais.js');

export interface Cluster {
  dataDir: string;
  database: string;
  schema: string;
  redis: string;
  prefix: string;
  /** Every process spawned, for the final clean-up. */
  children: ChildProcess[];
  startTimeoutMs: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Spawns `relais <args>` with the cluster's settings; resolves with the first stdout match of `ready`. */
export function relais(
  cluster: Cluster,
  args: string[],
  ready: RegExp,
  extra: Record<string, string> = {},
): Promise<{ proc: ChildProcess; line: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('RELAIS_')) delete env[name];
  Object.assign(env, {
    RELAIS_DATA_DIR: cluster.dataDir,
    RELAIS_HOST: '127.0.0.1',
    RELAIS_LOG_LEVEL: 'warn',
    RELAIS_ENCRYPTION_KEY: 'scale-test-scale-test-scale-test-00',
    RELAIS_JWT_SECRET: 'scale-test-jwt-secret-scale-test-jwt-secret',
    RELAIS_DATABASE_URL: cluster.database,
    RELAIS_DATABASE_SCHEMA: cluster.schema,
    RELAIS_REDIS_URL: cluster.redis,
    RELAIS_QUEUE_PREFIX: cluster.prefix,
    RELAIS_QUEUE_LEASE: '1s',
    ...extra,
  });
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  cluster.children.push(proc);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`relais ${args[0]} did not start:\n${output}`)),
      cluster.startTimeoutMs,
    );
    proc.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const m = ready.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, line: m[0] });
      }
    });
    proc.stderr!.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`relais ${args[0]} exited (${code ?? signal}):\n${output}`));
    });
  });
}

export async function kill(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill(signal);
  await exited;
}

/** Runs `task(i)` for i in [0, count) with at most `width` at once; results in order. */
export async function pool<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}
