/**
 * What the benchmarks share: the load generator (autocannon), free ports, and what they read of a
 * child process from /proc (Linux): memory and CPU time.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';

export interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<CannonResult>;
export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Resident memory now and at its peak, in MB. */
export function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rss: mb('VmRSS'), peak: mb('VmHWM') };
}

/** CPU time (user + system) a process has used, in ms: what work costs, whatever else runs. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime (fields 14 and 15 of the full line) in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Node flags for a server child: `RELAIS_BENCH_PROFILE=<dir>` writes a V8 CPU profile of it there
 * (open it in Chrome DevTools), to see where a benchmark's time goes. One sample every 200 µs,
 * not the default 1 ms: a one-second burst then gets enough samples to rank functions.
 */
export function profileFlags(): string[] {
  const dir = process.env.RELAIS_BENCH_PROFILE;
  return dir ? ['--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${dir}`] : [];
}
