/**
 * The embedded queue: drives runs in this process, FIFO, with a global concurrency limit and each
 * workflow's own `settings.concurrency.max` (runs beyond it wait their turn; a waiting run holds
 * no slot unless the workflow says so). The store stays the source of truth: a job is only a run id.
 */
import type { Engine, RunOutcome } from '../engine/engine.js';
import type { RunRecord, RunStore, WorkflowStore } from '../engine/ports.js';
import type { Workflow } from '../engine/workflow.js';
import type { RunJob, RunQueue } from './contract.js';

export interface EmbeddedQueueOptions {
  engine: Engine;
  runs: RunStore;
  workflows: Pick<WorkflowStore, 'getWorkflow' | 'getWorkflowVersion'>;
  /** Runs driven at once by this process. */
  concurrency?: number;
  /** For runs of documents that are not in the store (`relais run`, tests). */
  workflowOf?: (run: RunRecord) => Workflow | undefined;
  onError?: (runId: string, error: unknown) => void;
}

interface Pending {
  job: RunJob;
  run: RunRecord;
  workflow: Workflow;
  active: boolean;
  resolve(outcome: RunOutcome): void;
  reject(error: unknown): void;
}

export class EmbeddedQueue implements RunQueue {
  private readonly pending: Pending[] = [];
  private readonly activeByWorkflow = new Map<string, number>();
  private active = 0;
  private closed = false;
  private readonly idle = new Set<() => void>();
  private intake: Promise<void> = Promise.resolve();

  constructor(private readonly opts: EmbeddedQueueOptions) {}

  async submit(job: RunJob): Promise<RunOutcome> {
    if (this.closed) throw new Error('The run queue is closed');
    return new Promise<RunOutcome>((resolve, reject) => {
      // Jobs are loaded one after the other so they enter the queue in the order they were submitted.
      this.intake = this.intake
        .then(async () => {
          const run = await this.opts.runs.getRun(job.runId);
          if (!run) throw new Error(`Run ${job.runId} not found`);
          const { workflow, active } = await this.workflowFor(run);
          if (this.closed) throw new Error('The run queue closed before the run started');
          this.pending.push({ job, run, workflow, active, resolve, reject });
          this.pump();
        })
        .catch(reject);
    });
  }

  depth(): { queued: number; active: number } {
    return { queued: this.pending.length, active: this.active };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.pending.splice(0))
      p.reject(new Error('The run queue closed before the run started'));
    if (this.active === 0) return;
    await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  private async workflowFor(run: RunRecord): Promise<{ workflow: Workflow; active: boolean }> {
    const given = this.opts.workflowOf?.(run);
    if (given) return { workflow: given, active: false };
    const [doc, current] = await Promise.all([
      this.opts.workflows.getWorkflowVersion(run.workflowId, run.workflowVersion),
      this.opts.workflows.getWorkflow(run.workflowId),
    ]);
    if (!doc)
      throw new Error(`Workflow ${run.workflowId} v${run.workflowVersion} of run ${run.id} not found`);
    return { workflow: doc, active: current?.active ?? false };
  }

  /** Starts every pending job that fits the limits, oldest first. */
  private pump(): void {
    const limit = this.opts.concurrency ?? 16;
    for (let i = 0; i < this.pending.length && this.active < limit; ) {
      const p = this.pending[i];
      const max = p.workflow.settings.concurrency?.max;
      const running = this.activeByWorkflow.get(p.run.workflowId) ?? 0;
      if (max !== undefined && running >= max) {
        i++;
        continue;
      }
      this.pending.splice(i, 1);
      this.drive(p);
    }
  }

  private drive(p: Pending): void {
    this.active++;
    this.activeByWorkflow.set(p.run.workflowId, (this.activeByWorkflow.get(p.run.workflowId) ?? 0) + 1);
    // Read the run again: it may have moved (cancelled, resumed elsewhere) while it was queued.
    this.opts.runs
      .getRun(p.run.id)
      .then((run) =>
        this.opts.engine.continue(run ?? p.run, p.workflow, {
          active: p.active,
          respond: p.job.respond,
          resume: p.job.resume,
        }),
      )
      .then(p.resolve, (error) => {
        this.opts.onError?.(p.run.id, error);
        p.reject(error);
      })
      .finally(() => {
        this.active--;
        const left = (this.activeByWorkflow.get(p.run.workflowId) ?? 1) - 1;
        if (left === 0) this.activeByWorkflow.delete(p.run.workflowId);
        else this.activeByWorkflow.set(p.run.workflowId, left);
        if (this.active === 0) for (const done of this.idle) done();
        this.pump();
      });
  }
}
