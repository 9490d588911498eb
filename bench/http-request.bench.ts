/**
 * HTTP Request node against a local server: 1,000 items, one POST each with a JSON body and a
 * JSON answer, 50 in flight (option Batching: batchSize 50, no interval) → requests per second.
 * The server runs in this process on 127.0.0.1 with keep-alive; nothing leaves the loopback
 * interface. Also measured: with `RELAIS_HTTP_DENY` set (the SSRF guard's own connection pool).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { denyPolicy } from '../src/nodes/http-request/ssrf.js';
import { httpRequestNode } from '../src/nodes/http-request.node.js';
import { NODE_SETTINGS } from '../src/nodes/settings.js';
import { runNode } from '../src/testing/run-node.js';

const ITEMS = 1_000;
const CONCURRENCY = 50;
const REPEATS = 5;

export async function httpRequestBench(): Promise<void> {
  let served = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      served++;
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { id?: number };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: body.id, status: 'accepted' }));
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const items = Array.from({ length: ITEMS }, (_, id) => ({ id, email: `patient${id}@example.org` }));
  const parameters = {
    method: 'POST',
    url,
    sendBody: true,
    bodyParameters: {
      parameters: [
        { name: 'id', value: '={{ $json.id }}' },
        { name: 'email', value: '={{ $json.email }}' },
      ],
    },
    options: { batching: { batch: { batchSize: CONCURRENCY, batchInterval: 0 } } },
  };

  console.log(
    `\n## HTTP Request node — ${ITEMS.toLocaleString('en')} items, ${CONCURRENCY} in flight, local server`,
  );
  console.log('| setup | runs | median ms/run | requests/s |');
  console.log('|---|---:|---:|---:|');
  try {
    for (const [label, deny] of [
      ['default', []],
      ['RELAIS_HTTP_DENY=private,link-local', ['private', 'link-local']],
    ] as const) {
      const services = { [NODE_SETTINGS.name]: { httpDeny: denyPolicy(deny) } };
      const once = async (): Promise<number> => {
        const before = served;
        const t0 = process.hrtime.bigint();
        const { json } = await runNode(httpRequestNode, { parameters, items, services });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (json[0].length !== ITEMS || served - before !== ITEMS)
          throw new Error('bench: not every request was made');
        return ms;
      };
      await once(); // warm-up (connections, JIT)
      const times: number[] = [];
      for (let r = 0; r < REPEATS; r++) times.push(await once());
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      console.log(
        `| ${label} | ${REPEATS} | ${median.toFixed(1)} | ${Math.round((ITEMS / median) * 1000).toLocaleString('en')} |`,
      );
    }
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
