/**
 * The run state machine, in one place (STYLE practice 3).
 *
 *   queued ──► running ──► succeeded
 *     │  ▲        │ ▲ ──► failed
 *     │  └────────┤ │ ──► canceled
 *     │           ▼ │
 *     │        waiting ──► canceled / failed (timeout without a timeout branch)
 *     └──────────────────► canceled
 *
 * `running → queued` happens when a process gives a run back (shutdown, lost lease) so another
 * picks it up from its checkpoint.
 */
export const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'canceled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

const TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  queued: ['running', 'canceled'],
  running: ['succeeded', 'failed', 'canceled', 'waiting', 'queued'],
  waiting: ['queued', 'running', 'canceled', 'failed'],
  succeeded: [],
  failed: [],
  canceled: [],
};

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * Whether one commit may move a run from `from` to `to`: staying `running`, directly, or through
 * `running` (a queued or waiting run whose drive reached its end or next pause before anything had
 * to be written: `queued → running → succeeded`, `waiting → running → waiting`).
 */
export function canCommit(from: RunStatus, to: RunStatus): boolean {
  const fromRunning = to === 'running' || canTransition('running', to);
  if (from === 'running') return fromRunning;
  return canTransition(from, to) || (canTransition(from, 'running') && fromRunning);
}

export function allowedSources(to: RunStatus): RunStatus[] {
  return RUN_STATUSES.filter((from) => TRANSITIONS[from].includes(to));
}

export function isTerminal(status: RunStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

/** Runs a starting process must pick up again: they were in flight or due when it stopped. */
export function isResumable(status: RunStatus): boolean {
  return status === 'queued' || status === 'running';
}
