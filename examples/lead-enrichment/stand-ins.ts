/**
 * Loopback stand-ins of the three sources the enrichment calls, each a real `node:http` server
 * that records what it receives and can be told to fail: PVGIS (the JRC's PVcalc API, same path
 * and answer shape), the INPN zonages service, and the LFS backend's table of grid substations
 * (which checks its bearer token, as the real backend does).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  query: Record<string, string>;
  authorization?: string;
}

/** One source: what it received, and the statuses it answers before answering normally. */
export class StandIn {
  readonly received: Received[] = [];
  /** Statuses answered, one per request, before the normal answer (e.g. [503, 503]). */
  failWith: number[] = [];
  /** When set, every request gets this status (a source that stays down). */
  alwaysFail: number | undefined;
  private server: Server | undefined;
  url = '';

  constructor(
    private readonly route: string,
    private readonly answer: (query: Record<string, string>) => unknown,
    private readonly token?: string,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  reset(): void {
    this.received.length = 0;
    this.failWith = [];
    this.alwaysFail = undefined;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const query = Object.fromEntries(url.searchParams);
    this.received.push({ path: url.pathname, query, authorization: req.headers.authorization });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || url.pathname !== this.route) send(404, { message: 'not found' });
    else if (this.token && req.headers.authorization !== `Bearer ${this.token}`) {
      send(401, { message: 'invalid token' });
    } else {
      const status = this.alwaysFail ?? this.failWith.shift();
      if (status !== undefined) send(status, { message: `stand-in answers ${status}` });
      else send(200, this.answer(query));
    }
  }
}

/** PVGIS v5.2 PVcalc for 1 kWc: the fields the workflow reads, in the real answer's shape. */
export const pvgis = () =>
  new StandIn('/api/v5_2/PVcalc', (q) => ({
    inputs: { location: { latitude: Number(q.lat), longitude: Number(q.lon) }, pv_module: { peak_power: 1 } },
    outputs: {
      totals: {
        fixed: { E_d: 3.78, E_m: 115.04, E_y: 1380.5, 'H(i)_d': 4.93, 'H(i)_m': 150, 'H(i)_y': 1800.2 },
      },
    },
  }));

/** The INPN zonages near a point: one ZNIEFF of type 2 (informative, not a constraint). */
export const inpn = () =>
  new StandIn('/inpn/zonages', () => ({
    zonages: [{ type: 'ZNIEFF2', code: '910030590', nom: 'Causse du Larzac', distanceM: 0 }],
  }));

/** The backend's nearest grid substation (S3REnR data), behind a bearer token. */
export const postes = (token: string) =>
  new StandIn(
    '/api/postes-sources/nearest',
    () => ({
      code: 'LODEV',
      nom: 'Poste source de Lodève',
      gestionnaire: 'Enedis',
      distanceKm: 6.4,
      capaciteDisponibleMw: 12,
    }),
    token,
  );
