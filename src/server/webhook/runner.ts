/**
 * Starting webhook runs and waiting for their answer. The run row is created (committed) before
 * anything is answered; the run is then driven by the run queue. `onReceived` answers right after
 * the row exists; `lastNode` and `responseNode` wait for the run, up to a timeout (504).
 *
 * A run that pauses (a Wait node) before answering finishes later, possibly after a restart of its
 * drive: the engine hooks (`onRespond`, `onRunFinish`, given to the Engine through
 * `WebhookWaiters.engineHooks()`) bring that answer to the caller still waiting here.
 */
import type { EngineHooks, RunOutcome } from '../../engine/engine.js';
import type { Item } from '../../engine/items.js';
import type { RunRecord, RunStore } from '../../engine/ports.js';
import type { NodeCommand } from '../../nodes/sdk.js';
import { configuredResponseCode, type WebhookParams } from '../../nodes/webhook.node.js';
import type { RunJob, RunQueue } from '../../queue/contract.js';
import { HttpError } from '../http-error.js';
import { type Answer, lastNodeAnswer, workflowError } from './respond.js';

type NodeResponse = Extract<NodeCommand, { kind: 'respond' }>['response'];

export interface Waiter {
  respond(response: NodeResponse): void;
  finish(run: RunRecord): void;
}

/** Runs driven by other processes (scale-out: BullMqQueue.watch brings their answers through Redis). */
export interface RemoteRuns {
  watch(runId: string, waiter: Waiter): () => void;
}

/** Callers waiting for runs of this process; fed by engine hooks, and by `remote` for runs driven elsewhere. */
export class WebhookWaiters {
  private readonly waiters = new Map<string, Waiter>();
  private readonly unwatch = new Map<string, () => void>();

  /** `remote` is read at each add (the queue is built after the engine that takes these hooks). */
  constructor(private readonly remote?: () => RemoteRuns | undefined) {}

  /** Hooks for `new Engine({ hooks })` (compose them with other hooks). */
  engineHooks(): Required<Pick<EngineHooks, 'onRespond' | 'onRunFinish'>> {
    return {
      onRespond: (runId, response) => this.waiters.get(runId)?.respond(response),
      onRunFinish: (run) => this.waiters.get(run.id)?.finish(run),
    };
  }

  add(runId: string, waiter: Waiter): void {
    this.waiters.set(runId, waiter);
    const remote = this.remote?.();
    if (remote) this.unwatch.set(runId, remote.watch(runId, waiter));
  }

  remove(runId: string): void {
    this.waiters.delete(runId);
    this.unwatch.get(runId)?.();
    this.unwatch.delete(runId);
  }

  get size(): number {
    return this.waiters.size;
  }
}

export interface RunnerDeps {
  queue: RunQueue;
  runs: Pick<RunStore, 'listSteps'>;
  waiters: WebhookWaiters;
  onError(runId: string, error: unknown): void;
}

export class WebhookRunner {
  private readonly background = new Set<Promise<unknown>>();
  /** Callers still waiting for an answer, to release at shutdown. */
  private readonly callers = new Set<(result: HttpError) => void>();

  constructor(private readonly deps: RunnerDeps) {}

  /** Drives a created run without anyone waiting (`onReceived`). */
  inBackground(runId: string, created?: RunJob['created']): void {
    const done = this.deps.queue
      .submit({ runId, created })
      .catch((error) => this.deps.onError(runId, error))
      .finally(() => this.background.delete(done));
    this.background.add(done);
  }

  /**
   * Drives a created run and resolves with its answer (`lastNode` / `responseNode`), or an
   * HttpError (500 run failed, 504 no answer within `timeoutMs`). The run goes on after a 504.
   */
  answer(
    runId: string,
    params: WebhookParams,
    timeoutMs: number,
    created?: RunJob['created'],
  ): Promise<Answer | HttpError> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result: Answer | HttpError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.deps.waiters.remove(runId);
        this.callers.delete(settle);
        resolve(result);
      };
      this.callers.add(settle);
      const timer = setTimeout(
        () => settle(new HttpError(504, 'timeout', 'The workflow did not answer in time', { runId })),
        timeoutMs,
      );
      timer.unref?.();
      const byNode = params.responseMode === 'responseNode';
      const respond = (r: NodeResponse) => {
        if (byNode) settle({ status: r.status, headers: r.headers, body: r.body });
      };
      const finished = (run: RunRecord, items: () => Promise<Item[] | undefined>) => {
        if (run.status === 'succeeded') {
          if (byNode) settle({ status: configuredResponseCode(params) ?? 200, headers: {}, body: undefined });
          else
            items().then(
              (list) => settle(safe(() => lastNodeAnswer(params, list))),
              () => settle(workflowError(runId)),
            );
        } else if (run.status === 'failed' || run.status === 'canceled') settle(workflowError(runId));
        // waiting/queued/running: the hooks bring the rest.
      };
      this.deps.waiters.add(runId, {
        respond,
        finish: (run) => finished(run, () => this.lastStepItems(run)),
      });
      const drive = this.deps.queue
        .submit({ runId, respond, created })
        .then(
          (outcome) => finished(outcome.run, async () => lastItems(outcome)),
          (error) => {
            this.deps.onError(runId, error);
            settle(workflowError(runId));
          },
        )
        .finally(() => this.background.delete(drive));
      this.background.add(drive);
    });
  }

  /**
   * Shutdown: answers every caller still waiting with 503 (their runs are durable and go on after
   * the restart), so that closing the server does not wait for long runs.
   */
  releaseCallers(): void {
    for (const settle of [...this.callers]) {
      settle(
        new HttpError(
          503,
          'unavailable',
          'The server is shutting down; the run goes on and can be followed by its id',
        ),
      );
    }
  }

  /** Waits for the runs this ingress started (graceful stop). */
  async drain(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /** The last node's first output, read back from the store (a run finished by another drive). */
  private async lastStepItems(run: RunRecord): Promise<Item[] | undefined> {
    const steps = await this.deps.runs.listSteps(run.id);
    const last = steps.filter((s) => s.status === 'succeeded').at(-1);
    return last ? (last.output?.[0] ?? []) : undefined;
  }
}

function lastItems(outcome: RunOutcome): Item[] | undefined {
  const name = outcome.run.currentNode;
  if (!name) return undefined;
  const task = outcome.runData.runs(name).at(-1);
  return task ? (task.outputs[0] ?? []) : undefined;
}

function safe(fn: () => Answer): Answer | HttpError {
  try {
    return fn();
  } catch (error) {
    if (error instanceof HttpError) return error;
    return new HttpError(500, 'webhook_response_error', (error as Error).message);
  }
}
