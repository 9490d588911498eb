/**
 * Test wiring for the trigger kinds: a real store (SQLite in memory; PostgreSQL too when
 * RELAIS_TEST_DATABASE_URL is set), a ManualClock, the real engine and embedded queue, and a timer
 * loop driven by hand. "Restarting" builds new engine/queue/loop/kinds on the same database.
 */
import { ManualClock } from '../engine/clock.js';
import { Engine } from '../engine/engine.js';
import type { RunRecord } from '../engine/ports.js';
import { type WorkflowInput, workflowSchema } from '../engine/workflow.js';
import { createRegistry } from '../nodes/registry.js';
import { EmbeddedQueue } from '../queue/embedded.js';
import { type TimerHandler, TimerLoop } from '../queue/timer-loop.js';
import {
  postgresFixture,
  type StoreFixture,
  sqliteMemoryFixture,
  type TestDatabase,
} from '../store/conformance/fixtures.js';
import type { Store } from '../store/index.js';
import type { TriggerLogger, TriggerServices } from './shared.js';

export const quiet: TriggerLogger = { info() {}, warn() {}, error() {} };

/** SQLite always; PostgreSQL when its URL is set (skipped loudly otherwise). */
export function triggerFixtures(): StoreFixture[] {
  return [sqliteMemoryFixture, postgresFixture(process.env.RELAIS_TEST_DATABASE_URL)];
}

export interface Process {
  engine: Engine;
  queue: EmbeddedQueue;
  services: TriggerServices;
  loop(handlers: Record<string, TimerHandler>): TimerLoop;
}

export interface Harness {
  store: Store;
  clock: ManualClock;
  /** The current "process"; `restart()` replaces it. */
  proc: Process;
  restart(): Process;
  save(
    id: string,
    doc: WorkflowInput,
    active?: boolean,
  ): Promise<{ id: string; version: number; workflow: ReturnType<typeof workflowSchema.parse> }>;
  runs(workflowId?: string): Promise<RunRecord[]>;
  /** Waits (without the wall clock) until every submitted run reached its end or a pause. */
  settle(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * PostgreSQL errors of Kysely's migration introspection, which reads the catalog of EVERY schema
 * (`pg_get_serial_sequence`, `has_schema_privilege` per table) and fails when another test drops
 * or creates its schema or tables at that moment: schema (3F000), table (42P01) or column (42703)
 * "does not exist". A test-infrastructure race, not one of the code under test.
 */
const CATALOG_RACE = new Set(['3F000', '42P01', '42703']);

/** Opens a fresh database, retrying the catalog race above. */
export async function openFresh(fixture: StoreFixture): Promise<{ database: TestDatabase; store: Store }> {
  for (let attempt = 1; ; attempt++) {
    const database = await fixture.database();
    try {
      return { database, store: await database.open() };
    } catch (error) {
      await database.dispose().catch(() => {});
      if (!CATALOG_RACE.has(String((error as { code?: string }).code)) || attempt >= 5) throw error;
    }
  }
}

export async function harness(fixture: StoreFixture, start = '2026-03-28T10:00:00.000Z'): Promise<Harness> {
  const { database, store } = await openFresh(fixture);
  const clock = new ManualClock(start);
  const registry = createRegistry();
  const make = (): Process => {
    const engine = new Engine({ runs: store.runs, registry, clock, timers: store.timers });
    const queue = new EmbeddedQueue({ engine, runs: store.runs, workflows: store.workflows });
    const services: TriggerServices = {
      engine,
      queue,
      runs: store.runs,
      workflows: store.workflows,
      triggers: store.triggers,
      clock,
      logger: quiet,
    };
    return {
      engine,
      queue,
      services,
      loop: (handlers) =>
        new TimerLoop({
          timers: store.timers,
          clock,
          handlers: {
            resume: async (t) => void (await queue.submit({ runId: t.runId!, resume: { by: 'time' } })),
            ...handlers,
          },
          onError: (timer, error) => {
            throw new Error(`timer ${timer.id} failed: ${error instanceof Error ? error.stack : error}`);
          },
        }),
    };
  };
  const h: Harness = {
    store,
    clock,
    proc: make(),
    restart() {
      h.proc = make();
      return h.proc;
    },
    async save(id, doc, active = true) {
      const workflow = workflowSchema.parse(doc);
      const record = await store.workflows.saveWorkflow(id, workflow);
      if (active) await store.workflows.setActive(id, true);
      return { id, version: record.version, workflow };
    },
    async runs(workflowId) {
      const page = await store.runs.listRuns({ workflowId, limit: 500 });
      return [...page.items].sort(
        (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id),
      );
    },
    async settle() {
      for (let i = 0; i < 2000; i++) {
        await new Promise((r) => setImmediate(r));
        const { queued, active } = h.proc.queue.depth();
        const inFlight = (await store.runs.listRunsByStatus(['queued', 'running'], 1)).length;
        if (queued === 0 && active === 0 && inFlight === 0) return;
      }
      throw new Error('runs did not settle');
    },
    async dispose() {
      await database.dispose();
    },
  };
  return h;
}
