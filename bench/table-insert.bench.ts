/**
 * Data Table node, Insert: 100,000 items (a patients import: six typed columns) into a built-in
 * table, one transaction per run → rows per second. SQLite in a temp data directory (WAL, as
 * `relais start` runs it); PostgreSQL too when RELAIS_TEST_DATABASE_URL is set (a fresh schema,
 * dropped afterwards). Measured with the inserted rows returned as items (the default) and with
 * `optimizeBulk` (one summary item).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ManualClock } from '../src/engine/clock.js';
import { dataTableNode } from '../src/nodes/data-table.node.js';
import { openStore, type Store } from '../src/store/index.js';
import { TABLES } from '../src/tables/port.js';
import { createTableService } from '../src/tables/service.js';
import { runNode } from '../src/testing/run-node.js';

const ROWS = 100_000;
const REPEATS = 3;

const items = Array.from({ length: ROWS }, (_, i) => ({
  nom: `Nom${i}`,
  prenom: `Prénom${i % 500}`,
  email: `patient${i}@cabinet.fr`,
  age: 18 + (i % 70),
  actif: i % 3 !== 0,
  createdAt: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
}));

async function measure(label: string, store: Store): Promise<void> {
  const tables = createTableService({ store: store.tables, clock: new ManualClock() });
  const services = { [TABLES.name]: tables };
  for (const bulk of [false, true]) {
    const times: number[] = [];
    for (let r = 0; r <= REPEATS; r++) {
      await tables.drop('patients').catch(() => {});
      await tables.create({
        name: 'patients',
        columns: [
          { name: 'nom', type: 'string' },
          { name: 'prenom', type: 'string' },
          { name: 'email', type: 'string' },
          { name: 'age', type: 'number' },
          { name: 'actif', type: 'boolean' },
          { name: 'createdAt', type: 'date' },
        ],
        indexes: [{ columns: ['email'], unique: true }],
      });
      const t0 = process.hrtime.bigint();
      const { json } = await runNode(dataTableNode, {
        parameters: {
          dataTableId: 'patients',
          columns: { mappingMode: 'autoMapInputData' },
          options: { optimizeBulk: bulk },
        },
        items,
        services,
      });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if ((bulk ? json[0][0].insertedRows : json[0].length) !== ROWS)
        throw new Error('bench: not every row was inserted');
      if (r > 0) times.push(ms); // the first run warms up (JIT, caches)
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    const output = bulk ? 'optimizeBulk (count only)' : 'rows returned as items';
    console.log(
      `| ${label} | ${output} | ${REPEATS} | ${median.toFixed(0)} | ${Math.round((ROWS / median) * 1000).toLocaleString('en')} |`,
    );
  }
}

export async function tableInsertBench(): Promise<void> {
  console.log(`\n## Data Table node — insert ${ROWS.toLocaleString('en')} items in one transaction`);
  console.log('| database | output | runs | median ms/run | rows/s |');
  console.log('|---|---|---:|---:|---:|');
  const dataDir = await mkdtemp(join(tmpdir(), 'relais-bench-tables-'));
  const sqlite = await openStore({ dataDir });
  try {
    await measure('SQLite (file, WAL)', sqlite);
  } finally {
    await sqlite.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  const url = process.env.RELAIS_TEST_DATABASE_URL;
  if (!url) {
    console.log('| PostgreSQL | skipped: RELAIS_TEST_DATABASE_URL not set | | | |');
    return;
  }
  const schema = `relais_bench_${randomBytes(5).toString('hex')}`;
  const postgres = await openStore({ databaseUrl: url, schema });
  try {
    await measure('PostgreSQL', postgres);
  } finally {
    await postgres.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  }
}
