/**
 * A fixed number of start slots handed out by priority. Services released at the same moment (the dependents
 * of one service that just became healthy) all join the queue before a slot is given: the choice waits one
 * macrotask, so the highest priority wins rather than whichever promise happened to resolve first. Equal
 * priorities go first come, first served.
 */
interface Waiter {
  priority: number;
  seq: number;
  go: () => void;
  fail: (reason: unknown) => void;
}

export class StartSlots {
  private free: number;
  private readonly waiting: Waiter[] = [];
  private seq = 0;
  private scheduled = false;

  constructor(slots: number) {
    this.free = Math.max(1, Math.floor(slots));
  }

  /** Runs `work` in a slot once one is free and no waiter of higher priority is ahead; rejects when `signal` aborts first. */
  async run<T>(priority: number, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    await new Promise<void>((go, fail) => {
      const waiter: Waiter = { priority, seq: this.seq++, go, fail };
      this.waiting.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.waiting.indexOf(waiter);
          if (i < 0) return; // already given a slot
          this.waiting.splice(i, 1);
          fail(signal.reason);
        },
        { once: true },
      );
      this.schedule();
    });
    try {
      return await work();
    } finally {
      this.free++;
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.waiting.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
      while (this.free > 0 && this.waiting.length > 0) {
        this.free--;
        this.waiting.shift()!.go();
      }
    });
  }
}
