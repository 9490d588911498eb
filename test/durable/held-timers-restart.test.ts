/**
 * On SQLite one process schedules, and it claims the timers of the next seconds as it reads them
 * ahead (TimerLoop `claimAhead`). Killed while it holds them, it must not leave them to wait out
 * their lease: the next start gives every claim back, and the timers fire when due.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { ManualClock } from '../../src/engine/clock.js';
import { startTestServer } from '../../src/testing/server.js';
import { createAutomation, expectStatus, waitingWorkflow } from '../server/api-kit.js';

const HOUR = 3_600_000;

it('timers held by a process that died fire when due after the next start, not a lease later (sqlite file)', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'relais-held-'));
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  try {
    const first = await startTestServer({ config: { dataDir }, clock });
    const id = await createAutomation(first, waitingWorkflow());
    const started = await first.request('POST', `/api/automations/${id}/run`, { as: 'editor' });
    expectStatus(started, 200);
    assert.equal(started.body.status, 'waiting');
    const runId: string = started.body.id;
    // The timer as a process dying in the second before it falls due holds it: claimed ahead,
    // its lease a minute past its due time.
    const dueAt = new Date(clock.now().getTime() + HOUR);
    const held = await first.runtime.store.timers.claimAhead(
      clock.now(),
      dueAt,
      ['resume'],
      10,
      'a-dead-process',
      new Date(dueAt.getTime() + 60_000),
    );
    assert.deepEqual(
      held.map((t) => t.runId),
      [runId],
    );
    await first.stop();

    const second = await startTestServer({ config: { dataDir }, clock, seed: false });
    try {
      clock.set(dueAt);
      assert.equal(await second.runtime.timerLoop.tick(), 1, 'fired when due');
      assert.equal((await second.runtime.store.runs.getRun(runId))?.status, 'succeeded');
      assert.equal(await second.runtime.store.timers.countPending(), 0);
    } finally {
      await second.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
