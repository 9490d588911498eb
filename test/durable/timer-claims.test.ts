/**
 * Timers a dead process held, through the real server (SQLite file).
 *
 * - On SQLite one process schedules, and it claims the timers of the next seconds as it reads them
 *   ahead (TimerLoop `claimAhead`). Killed while it holds them, it must not leave them to wait out
 *   their lease: the next start gives every claim back, and the timers fire when due.
 * - A process that resumed a run and died before completing the timer leaves it claimed; once its
 *   lease ends it fires again, for a wait the run no longer has: it is dropped and completed, and
 *   nothing is logged as an error.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import pino from 'pino';
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

it('a wake-up left over by a dead process is dropped and completed, and logged as no error (sqlite file)', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'relais-left-over-'));
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const wait = (id: string, name: string, x: number) => ({
    id,
    name,
    type: 'wait',
    typeVersion: 1.1,
    position: [x, 0] as [number, number],
    parameters: { resume: 'timeInterval', amount: 1, unit: 'hours' },
  });
  const twoWaits = {
    name: 'Two waits',
    nodes: [
      { id: 'start', name: 'Start', type: 'manualTrigger', position: [0, 0] },
      wait('w1', 'Thank you', 220),
      wait('w2', 'Review', 440),
    ],
    connections: [
      { from: 'Start', to: 'Thank you' },
      { from: 'Thank you', to: 'Review' },
    ],
  };
  const server = await startTestServer({
    config: { dataDir },
    clock,
    logger: pino({ level: 'debug' }, sink),
  });
  try {
    const id = await createAutomation(server, twoWaits);
    const started = await server.request('POST', `/api/automations/${id}/run`, { as: 'editor' });
    expectStatus(started, 200);
    const runId: string = started.body.id;
    const { timers, runs } = server.runtime.store;
    clock.advance(HOUR);
    // A process claims the first wake-up, resumes the run, and dies before completing the timer.
    const [first] = await timers.claimDue(clock.now(), 10, 'a-dead-process', 60_000);
    await server.runtime.queue.submit({ runId, resume: { by: 'time', timerDueAt: first.dueAt.getTime() } });
    const second = (await runs.getRun(runId))!;
    assert.equal(second.currentNode, 'Review');

    clock.advance(61_000);
    assert.equal(await server.runtime.timerLoop.tick(), 1, 'the left-over wake-up fired, and was handled');
    const still = (await runs.getRun(runId))!;
    assert.equal(still.status, 'waiting');
    assert.equal(still.version, second.version, 'not moved');
    assert.equal(await timers.countPending(), 1, "only the second wait's timer is left");
    const errors = lines.filter((line) => line.level >= 50);
    assert.deepEqual(errors, [], 'nothing logged as an error');
    assert.ok(
      lines.some((line) => line.level === 20 && line.msg === 'run moved on elsewhere: not driven here'),
      'said at debug level',
    );
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
