/**
 * Polls `predicate` until it holds, for tests that wait on another process or on work that goes
 * on after an answer (a run writes its end just after Respond to Webhook answered). Bounded: fails
 * naming `what` after `timeoutMs` of real time.
 */
export async function until(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  { timeoutMs = 20_000, everyMs = 10 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
