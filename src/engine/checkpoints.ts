/**
 * How a drive writes: steps are staged in memory and written with the next commit — at once for a
 * node with effects outside the run, later for a replay-safe one (ARCHITECTURE "Checkpoints").
 * Every commit is one store transaction refused if anyone moved the run since this drive wrote.
 */
import type { Clock } from './clock.js';
import { checkpointOf, type DriveState } from './drive-state.js';
import type { EngineHooks } from './engine.js';
import { type ErrorDetails, StaleRunError } from './errors.js';
import type {
  FrontierEntry,
  RunCommit,
  RunStore,
  StepRecord,
  TimerPort,
  TimerRequest,
  WaitState,
} from './ports.js';
import type { RunStatus } from './run-state.js';

/** Deferred steps are committed once this many have piled up, or once the oldest is this old. */
const MAX_DEFERRED_STEPS = 64;
const MAX_DEFERRED_MS = 1000;

/** The timer that wakes a waiting run: one per pause, named after the run's version once paused. */
export function resumeTimer(runId: string, version: number, dueAt: Date): TimerRequest {
  return { id: `resume:${runId}:${version}`, runId, kind: 'resume', dueAt };
}

export class Checkpoints {
  constructor(
    private readonly deps: { runs: RunStore; clock: Clock; hooks: EngineHooks; timers?: TimerPort },
  ) {}

  /**
   * A finished step, kept for the next commit (which its node may ask for at once). The run's
   * `currentNode` moves with that commit, as the stored run's does: copying the run record here
   * cost a copy per node.
   */
  stage(state: DriveState, step: StepRecord): void {
    // Usually one step between commits: a literal of one (see RunData.add).
    if (state.pending.length === 0) state.pending = [step];
    else state.pending.push(step);
  }

  /** Whether the deferred steps should be written now (too many, or the oldest too old). */
  due(state: DriveState): boolean {
    const oldest = state.pending[0];
    return (
      state.pending.length >= MAX_DEFERRED_STEPS ||
      (oldest !== undefined &&
        this.deps.clock.now().getTime() - oldest.finishedAt.getTime() >= MAX_DEFERRED_MS)
    );
  }

  /**
   * Writes the staged steps with the frontier and moves the run to `to`. `redo`: the entry about to
   * execute, kept on the saved stack so that a crash runs it again.
   */
  async commit(
    state: DriveState,
    to: RunStatus,
    opts: { patch?: RunCommit['patch']; wait?: WaitState; redo?: FrontierEntry } = {},
  ): Promise<void> {
    const { run } = state;
    const checkpoint = checkpointOf(state, opts.wait);
    if (opts.redo) checkpoint.stack = [...checkpoint.stack, opts.redo];
    const patch = { ...(run.startedAt === null && { startedAt: this.deps.clock.now() }), ...opts.patch };
    const steps = state.pending;
    const result = await this.deps.runs.commit(run.id, run.version, {
      from: run.status,
      to,
      steps,
      checkpoint,
      patch,
    });
    if (!result.ok) throw new StaleRunError(`Run ${run.id} changed elsewhere (${result.reason})`);
    state.pending = [];
    const currentNode = steps.at(-1)?.nodeName ?? run.currentNode;
    state.run = { ...run, ...patch, currentNode, status: to, version: result.version };
    for (const step of steps) this.deps.hooks.onStepFinish?.(state.run, step);
  }

  /**
   * The run waits (holding no memory): a due time becomes a timer row. The timer is scheduled
   * after the commit with an id derived from the paused run's version, so a crash in between is
   * repaired by scheduling it again at start (src/queue/recovery.ts), never doubled.
   */
  async pause(state: DriveState, waitTill: Date | null, wait?: WaitState): Promise<void> {
    await this.commit(state, 'waiting', { patch: { waitTill }, wait });
    if (waitTill) await this.deps.timers?.schedule(resumeTimer(state.run.id, state.run.version, waitTill));
  }

  async finish(state: DriveState, status: RunStatus, error: ErrorDetails | null): Promise<void> {
    await this.commit(state, status, { patch: { error, finishedAt: this.deps.clock.now() } });
    this.deps.hooks.onRunFinish?.(state.run);
  }
}
