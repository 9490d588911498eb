/**
 * A run's cancellation: the drive loop reads `requested` between nodes, and a node that waits on
 * I/O reads `signal`. The AbortSignal is made on first read, already aborted if the run was
 * cancelled before: Node builds one in ~10 µs (it is an EventTarget), more than a simple node
 * takes to run, and most nodes never ask for it.
 */
export class Cancellation {
  #controller: AbortController | undefined;
  #requested = false;

  get requested(): boolean {
    return this.#requested;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#requested) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  cancel(): void {
    this.#requested = true;
    this.#controller?.abort();
  }
}
