/**
 * Prometheus metrics (`/metrics`), one registry per process and no module-level state: runs
 * started and finished (by workflow, mode and status), step durations by node type, webhook
 * latency (observed by the webhook ingress), pending timers (read from the store at scrape time),
 * and Node's default process metrics. The engine feeds it through its hooks, at no cost to nodes.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineHooks } from '../engine/engine.js';
import type { RunRecord, StepRecord } from '../engine/ports.js';

export interface MetricsOptions {
  /** Read at each scrape for the timers gauge. */
  timers: { countPending(): Promise<number> };
  /** Node's process metrics (CPU, memory, event loop lag); default on. */
  processMetrics?: boolean;
  onError?: (error: unknown) => void;
}

/** What the webhook ingress reports once it answered a request. */
export interface WebhookObservation {
  method: string;
  statusCode: number;
  /** `production` (`/webhook/...`) or `test` (`/webhook-test/...`). */
  kind: 'production' | 'test';
  /** From the request's arrival to the answer. */
  seconds: number;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly runsStarted: Counter<'workflow_id' | 'mode'>;
  private readonly runsFinished: Counter<'workflow_id' | 'mode' | 'status'>;
  private readonly stepDuration: Histogram<'node_type' | 'status'>;
  private readonly webhookLatency: Histogram<'method' | 'status_code' | 'kind'>;

  constructor(opts: MetricsOptions) {
    const registers = [this.registry];
    this.runsStarted = new Counter({
      name: 'relais_runs_started_total',
      help: 'Runs that started executing (a run resumed after a wait is not counted again)',
      labelNames: ['workflow_id', 'mode'],
      registers,
    });
    this.runsFinished = new Counter({
      name: 'relais_runs_finished_total',
      help: 'Runs that reached a final status',
      labelNames: ['workflow_id', 'mode', 'status'],
      registers,
    });
    this.stepDuration = new Histogram({
      name: 'relais_step_duration_seconds',
      help: 'Time a node took to execute, per node type and step status',
      labelNames: ['node_type', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers,
    });
    this.webhookLatency = new Histogram({
      name: 'relais_webhook_duration_seconds',
      help: 'Time from a webhook request to its answer',
      labelNames: ['method', 'status_code', 'kind'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    new Gauge({
      name: 'relais_timers_pending',
      help: 'Timers (waits, retry back-offs, schedules) not yet fired',
      registers,
      async collect() {
        try {
          this.set(await opts.timers.countPending());
        } catch (error) {
          // A scrape must still answer when the store hiccups; the gauge keeps its last value.
          opts.onError?.(error);
        }
      },
    });
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Hooks to give `new Engine({ hooks })`. */
  engineHooks(): EngineHooks {
    return {
      onRunStart: (run) => {
        // A run resumed after a wait or a restart has executed a node already.
        if (run.currentNode === null) this.runsStarted.inc({ workflow_id: run.workflowId, mode: run.mode });
      },
      onStepFinish: (_run, step) => this.stepFinished(step),
      onRunFinish: (run) => this.runFinished(run),
    };
  }

  /** Also called by whoever ends a run outside the engine (cancelling a queued or waiting run). */
  runFinished(run: Pick<RunRecord, 'workflowId' | 'mode' | 'status'>): void {
    this.runsFinished.inc({ workflow_id: run.workflowId, mode: run.mode, status: run.status });
  }

  stepFinished(step: Pick<StepRecord, 'nodeType' | 'status' | 'startedAt' | 'finishedAt'>): void {
    const seconds = Math.max(0, step.finishedAt.getTime() - step.startedAt.getTime()) / 1000;
    this.stepDuration.observe({ node_type: step.nodeType, status: step.status }, seconds);
  }

  /** For the webhook ingress: call once per answered request. */
  observeWebhook(o: WebhookObservation): void {
    this.webhookLatency.observe(
      { method: o.method.toUpperCase(), status_code: String(o.statusCode), kind: o.kind },
      Math.max(0, o.seconds),
    );
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Several hook sets as one: each hook calls every set's hook, in order. */
export function combineHooks(...sets: EngineHooks[]): EngineHooks {
  const each =
    <K extends keyof EngineHooks>(key: K) =>
    (...args: Parameters<NonNullable<EngineHooks[K]>>) => {
      for (const set of sets) (set[key] as ((...a: typeof args) => void) | undefined)?.(...args);
    };
  return {
    onRunStart: each('onRunStart'),
    onStepFinish: each('onStepFinish'),
    onRunFinish: each('onRunFinish'),
    onRespond: each('onRespond'),
  };
}
