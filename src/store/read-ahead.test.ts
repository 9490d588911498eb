import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type AheadRead, ReadAhead, textSize } from './read-ahead.js';

type Row = { id: string; text: string };
type Read = AheadRead<Row, Row>;

/** A database of `count` runs `r0…`, each with one step, whose reads are recorded. */
function source(count: number, text = 'x') {
  const reads: string[][] = [];
  const read = async (ids: readonly string[]): Promise<Map<string, Read>> => {
    reads.push([...ids]);
    const found = new Map<string, Read>();
    for (const id of ids) {
      const n = Number(id.slice(1));
      const run = { id, text };
      const step = { id: `${id}.0`, text };
      if (n < count) found.set(id, { records: { run, steps: [step] }, bytes: textSize([run, step]) });
    }
    return found;
  };
  return { reads, read };
}

const limits = (now: () => number, maxBytes = 1024 ** 2) => ({ maxBytes, ttlMs: 1000, now });

describe('ReadAhead', () => {
  test('reads only what it does not hold, 256 keys a read, and hands it out until it expires', async () => {
    let now = 0;
    const ahead = new ReadAhead<Row, Row>(limits(() => now));
    const db = source(600);
    const ids = Array.from({ length: 600 }, (_, i) => `r${i}`);
    await ahead.fill([...ids, 'r9999', 'r0'], db.read);
    assert.deepEqual(
      db.reads.map((r) => r.length),
      [256, 256, 89],
      'duplicates once, missing ones asked for',
    );
    assert.equal(ahead.size().runs, 600);
    assert.deepEqual(ahead.takeRun('r42'), { id: 'r42', text: 'x' });
    assert.deepEqual(ahead.takeSteps('r42'), [{ id: 'r42.0', text: 'x' }]);
    assert.equal(ahead.takeRun('r9999'), undefined);

    db.reads.length = 0;
    await ahead.fill(['r1', 'r2'], db.read);
    assert.deepEqual(db.reads, [], 'held already');

    now = 999;
    assert.ok(ahead.takeRun('r1'));
    now = 1000;
    assert.equal(ahead.takeSteps('r1'), undefined, 'expired');
    await ahead.fill(['r700'], db.read);
    assert.equal(ahead.size().runs, 0, 'a fill drops what expired');
    assert.equal(ahead.size().bytes, 0);
  });

  test('a run written is forgotten, also when the write lands while it is being read', async () => {
    const ahead = new ReadAhead<Row, Row>(limits(() => 0));
    const db = source(10);
    await ahead.fill(['r1', 'r2'], db.read);
    ahead.forget('r1');
    assert.equal(ahead.takeRun('r1'), undefined);
    assert.ok(ahead.takeRun('r2'));

    // The write of r3 lands after its row was read, before the fill keeps it.
    await ahead.fill(['r3', 'r4'], async (ids) => {
      const rows = await db.read(ids);
      ahead.forget('r3');
      return rows;
    });
    assert.equal(ahead.takeRun('r3'), undefined, 'read before the write: stale');
    assert.ok(ahead.takeRun('r4'));
    await ahead.fill(['r3'], db.read);
    assert.ok(ahead.takeRun('r3'), 'a later fill reads it again');
    ahead.forget('never-held');
  });

  test('stops at its byte bound: runs are counted by the text of their rows and a fixed cost each', async () => {
    const ahead = new ReadAhead<Row, Row>(limits(() => 0, 10_000));
    const db = source(1000, 'y'.repeat(1000));
    await ahead.fill(
      Array.from({ length: 1000 }, (_, i) => `r${i}`),
      db.read,
    );
    const { runs, bytes } = ahead.size();
    // Each run: two rows of (1,000 + 3 or 5 chars of id + 256): about 2,520 bytes.
    assert.equal(runs, 3);
    assert.ok(bytes <= 10_000 && bytes > 7_000, `${bytes} bytes`);
    assert.deepEqual(
      db.reads.map((r) => r.length),
      [256],
      'no read past the bound',
    );
  });

  test('a failed read rejects the fill and keeps what earlier reads gave', async () => {
    const ahead = new ReadAhead<Row, Row>(limits(() => 0));
    const db = source(1000);
    let reads = 0;
    await assert.rejects(
      ahead.fill(
        Array.from({ length: 300 }, (_, i) => `r${i}`),
        async (ids) => {
          if (++reads === 2) throw new Error('disk gone');
          return db.read(ids);
        },
      ),
      /disk gone/,
    );
    assert.equal(ahead.size().runs, 256);
    ahead.forget('r1');
    assert.equal(ahead.takeRun('r1'), undefined, 'no fill is left tracking writes');
  });

  test('hands each record out once: a second taker reads the database; taken whole, a run is let go', async () => {
    const ahead = new ReadAhead<Row, Row>(limits(() => 0));
    await ahead.fill(['r1', 'r2'], source(10).read);
    const before = ahead.size().bytes;
    const run = ahead.takeRun('r1');
    assert.deepEqual(run, { id: 'r1', text: 'x' });
    assert.equal(ahead.takeRun('r1'), undefined, 'the run was taken');
    assert.equal(ahead.size().runs, 2, 'its steps are still held');
    assert.deepEqual(ahead.takeSteps('r1'), [{ id: 'r1.0', text: 'x' }]);
    assert.equal(ahead.takeSteps('r1'), undefined);
    assert.deepEqual(ahead.size(), { runs: 1, bytes: before / 2 }, 'r1 let go, with its bytes');
    // The steps first, then the run: the same.
    assert.ok(ahead.takeSteps('r2'));
    assert.ok(ahead.takeRun('r2'));
    assert.deepEqual(ahead.size(), { runs: 0, bytes: 0 });
  });
});
