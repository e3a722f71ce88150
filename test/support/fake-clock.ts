/** Virtual time for scheduler tests: sleeps resolve when `drive` advances to them, never in real time. */
import type { Clock } from '../../src/core/clock.js';

interface Timer {
  at: number;
  resolve: () => void;
}

export class FakeClock implements Clock {
  private t = 1_700_000_000_000;
  private timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  get elapsed(): number {
    return this.t - 1_700_000_000_000;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        this.timers = this.timers.filter((x) => x !== timer);
        reject(signal?.reason);
      };
      // The listener goes when the timer fires: a long-lived signal must not collect one per sleep.
      const timer: Timer = {
        at: this.t + Math.max(ms, 0),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs `work` to completion, jumping time to the next timer whenever everything else is waiting. */
  async drive<T>(work: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    while (!settled) {
      await flush();
      if (settled) break;
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift();
      if (!next) throw new Error('deadlock: the work waits on nothing the fake clock controls');
      if (next.at - 1_700_000_000_000 > limitMs) throw new Error(`fake time passed ${limitMs}ms`);
      this.t = Math.max(this.t, next.at);
      next.resolve();
    }
    return work;
  }
}

async function flush() {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}
