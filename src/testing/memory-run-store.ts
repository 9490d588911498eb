/**
 * A RunStore kept in memory: for engine tests and for measuring the engine without persistence.
 * It applies the same rules as the database stores (state machine, stale-version refusal).
 */
import type {
  Checkpoint,
  NewRun,
  RunCommit,
  RunPatch,
  RunRecord,
  RunStore,
  StepRecord,
  TransitionResult,
} from '../engine/ports.js';
import { canCommit, canTransition, type RunStatus } from '../engine/run-state.js';
import { newRunRecord } from '../store/run-rows.js';

export class MemoryRunStore implements RunStore {
  readonly runs = new Map<string, RunRecord>();
  readonly steps = new Map<string, StepRecord[]>();
  /**
   * When false, "saving off" (n8n's saveDataSuccessExecution: none): steps are not kept, and a
   * run is forgotten once it has succeeded, so a long benchmark measures the engine, not a heap
   * that grows with every run driven.
   */
  constructor(private readonly saving = true) {}

  async createRun(run: NewRun): Promise<RunRecord> {
    if (this.runs.has(run.id)) throw new Error(`Run ${run.id} exists`);
    const record = newRunRecord(run);
    this.runs.set(run.id, record);
    this.steps.set(run.id, []);
    return { ...record };
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const run = this.runs.get(id);
    return run ? { ...run } : null;
  }

  async transition(
    id: string,
    expectedVersion: number,
    to: RunStatus,
    patch: RunPatch = {},
  ): Promise<TransitionResult> {
    const run = this.runs.get(id);
    if (!run) return { ok: false, reason: 'not_found' };
    if (run.version !== expectedVersion) return { ok: false, reason: 'stale', status: run.status };
    if (!canTransition(run.status, to))
      return { ok: false, reason: 'invalid_transition', status: run.status };
    this.apply(run, to, patch);
    return { ok: true, version: run.version };
  }

  async commit(id: string, expectedVersion: number, commit: RunCommit): Promise<TransitionResult> {
    const run = this.runs.get(id);
    if (!run) return { ok: false, reason: 'not_found' };
    if (run.version !== expectedVersion) return { ok: false, reason: 'stale', status: run.status };
    if (run.status !== commit.from || !canCommit(commit.from, commit.to))
      return { ok: false, reason: 'invalid_transition', status: run.status };
    if (this.saving) this.steps.get(id)?.push(...commit.steps);
    // The engine keeps mutating its frontier: keep a snapshot, as a database would.
    this.apply(run, commit.to, { ...commit.patch, checkpoint: commit.checkpoint });
    run.currentNode = commit.steps.at(-1)?.nodeName ?? run.currentNode;
    if (!this.saving && run.status === 'succeeded') {
      this.runs.delete(id);
      this.steps.delete(id);
    }
    return { ok: true, version: run.version };
  }

  recordStep(id: string, expectedVersion: number, step: StepRecord, checkpoint: Checkpoint) {
    return this.commit(id, expectedVersion, { from: 'running', to: 'running', steps: [step], checkpoint });
  }

  private apply(run: RunRecord, to: RunStatus, patch: RunPatch): void {
    Object.assign(run, { status: to, version: run.version + 1 });
    for (const key of ['error', 'startedAt', 'finishedAt', 'waitTill', 'checkpoint'] as const) {
      if (patch[key] !== undefined) Object.assign(run, { [key]: structuredClone(patch[key]) });
    }
  }

  async listSteps(runId: string): Promise<StepRecord[]> {
    return [...(this.steps.get(runId) ?? [])];
  }

  async listRunsByStatus(statuses: RunStatus[], limit: number): Promise<RunRecord[]> {
    return [...this.runs.values()]
      .filter((r) => statuses.includes(r.status))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }
}
