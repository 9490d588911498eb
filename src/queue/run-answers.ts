/**
 * Webhook answers across processes (scale-out): a Respond to Webhook answer cannot cross processes
 * as a callback, so the worker that drives a run publishes it, and the end of each drive that
 * finishes the run, on a Redis channel named after the run. The process whose caller waits listens
 * to that channel (`watch`) for as long as the caller waits, so an answer given after a Wait, by
 * whichever worker resumed the run, still reaches it.
 *
 * One subscriber connection per process, opened on the first watch; a channel is subscribed once
 * however many callers wait on the run, and unsubscribed when the last one stops.
 */
import type { Redis } from 'ioredis';
import type { RespondCallback } from '../engine/engine.js';
import type { RunRecord, RunStore } from '../engine/ports.js';

type Response = Parameters<RespondCallback>[0];

/** What a process waiting for a run driven elsewhere is told (see `watch`). */
export interface RunWatcher {
  respond(response: Response): void;
  /** The run ended (read back from the store). */
  finish(run: RunRecord): void;
}

export interface RunAnswersOptions {
  /** Publishes (any connection not in subscriber mode). */
  publisher: Redis;
  /** Opens the subscriber connection (its owner closes it). */
  connect(): Redis;
  /** Key prefix of the channels. */
  prefix: string;
  runs: Pick<RunStore, 'getRun'>;
  onError?: (runId: string, error: unknown) => void;
}

type Message = { t: 'respond'; r: unknown } | { t: 'end' };

interface Subscription {
  watchers: Set<RunWatcher>;
  /** SUBSCRIBE acknowledged: nothing published after it is missed. */
  ready: Promise<unknown>;
}

export class RunAnswers {
  private subscriber: Redis | undefined;
  private readonly subscriptions = new Map<string, Subscription>();

  constructor(private readonly opts: RunAnswersOptions) {}

  /** A Respond to Webhook answer of the run, for whoever waits for it. */
  respond(runId: string, response: Response): void {
    this.publish(runId, { t: 'respond', r: encodeResponse(response) });
  }

  /** The run ended: its waiters read how from the store. */
  end(runId: string): void {
    this.publish(runId, { t: 'end' });
  }

  /**
   * Tells `watcher` the answers and the end of the run, whichever process drives it, until the
   * returned function is called (a webhook caller waits for a run that may pause and resume
   * elsewhere). The webhook ingress calls it for every caller it keeps waiting.
   */
  watch(runId: string, watcher: RunWatcher): () => void {
    const { stop } = this.listen(runId, watcher);
    return () => void stop();
  }

  /** `watch`, with the subscription's acknowledgement to wait for before starting the run. */
  listen(runId: string, watcher: RunWatcher): { ready: Promise<unknown>; stop: () => Promise<void> } {
    if (!this.subscriber) {
      this.subscriber = this.opts.connect();
      this.subscriber.on('message', (channel: string, text: string) => {
        const id = channel.slice(this.channel('').length);
        this.deliver(id, text).catch((error) => this.opts.onError?.(id, error));
      });
    }
    const subscriber = this.subscriber;
    const channel = this.channel(runId);
    let sub = this.subscriptions.get(runId);
    if (!sub) {
      // Commands on one connection run in order: an UNSUBSCRIBE of an earlier watch cannot overtake it.
      sub = { watchers: new Set(), ready: subscriber.subscribe(channel).catch(() => undefined) };
      this.subscriptions.set(runId, sub);
    }
    const mine = sub;
    mine.watchers.add(watcher);
    return {
      ready: mine.ready,
      stop: async () => {
        mine.watchers.delete(watcher);
        if (mine.watchers.size === 0 && this.subscriptions.get(runId) === mine) {
          this.subscriptions.delete(runId);
          await subscriber.unsubscribe(channel).catch(() => undefined);
        }
      },
    };
  }

  private channel(runId: string): string {
    return `${this.opts.prefix}:respond:${runId}`;
  }

  private publish(runId: string, message: Message): void {
    this.opts.publisher
      .publish(this.channel(runId), JSON.stringify(message))
      .catch((error) => this.opts.onError?.(runId, error));
  }

  private async deliver(runId: string, text: string): Promise<void> {
    const watchers = this.subscriptions.get(runId)?.watchers;
    if (!watchers || watchers.size === 0) return;
    const message = JSON.parse(text) as Message;
    if (message.t === 'respond') {
      const response = decodeResponse(message.r);
      for (const w of [...watchers]) w.respond(response);
      return;
    }
    const run = await this.opts.runs.getRun(runId);
    if (run) for (const w of [...watchers]) w.finish(run);
  }
}

/** JSON for the channel; binary bodies travel as base64. */
function encodeResponse(r: Response): unknown {
  const body =
    r.body instanceof Uint8Array ? { $base64: Buffer.from(r.body).toString('base64') } : { json: r.body };
  return { status: r.status, headers: r.headers, body };
}

function decodeResponse(raw: unknown): Response {
  const r = raw as {
    status: number;
    headers: Record<string, string>;
    body: { $base64?: string; json?: unknown };
  };
  const body = r.body.$base64 !== undefined ? Buffer.from(r.body.$base64, 'base64') : r.body.json;
  return { status: r.status, headers: r.headers, body };
}
