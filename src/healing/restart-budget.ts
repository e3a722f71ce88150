/**
 * The healing policy of one service, as pure state: how long to wait before the next restart (capped
 * exponential backoff with jitter), when a stable run resets the backoff, and when too many restarts within
 * the window open the breaker. Time comes in as arguments; randomness is injected.
 */
import type { HealPolicy } from '../config/types.js';

export type RestartDecision = { kind: 'restart'; delayMs: number; attempt: number } | { kind: 'breaker-open'; restartsInWindow: number };

export class RestartBudget {
  private restarts: number[] = [];
  private consecutive = 0;
  private healthySince: number | undefined;

  constructor(
    private readonly policy: Pick<HealPolicy, 'backoff' | 'resetAfterMs' | 'maxRestarts' | 'windowMs'>,
    private readonly random: () => number = Math.random,
  ) {}

  /** The service passed its gate (after start or a restart). */
  healthy(now: number): void {
    this.healthySince ??= now;
  }

  /** The service failed (crash, stop, unhealthy, or a restart that did not pass its gate): what next? */
  failed(now: number): RestartDecision {
    if (this.healthySince !== undefined && now - this.healthySince >= this.policy.resetAfterMs) this.consecutive = 0;
    this.healthySince = undefined;
    this.restarts = this.restarts.filter((t) => now - t < this.policy.windowMs);
    if (this.restarts.length >= this.policy.maxRestarts) return { kind: 'breaker-open', restartsInWindow: this.restarts.length };
    const { initialMs, factor, maxMs, jitter } = this.policy.backoff;
    const base = Math.min(initialMs * factor ** this.consecutive, maxMs);
    const spread = 1 + jitter * (2 * this.random() - 1);
    this.consecutive++;
    return { kind: 'restart', delayMs: Math.max(0, Math.round(base * spread)), attempt: this.consecutive };
  }

  /** A restart was carried out now (it counts against the window whether or not it succeeds). */
  restarted(now: number): void {
    this.restarts.push(now);
  }

  /** `stack restart` or a config change: forget the history and close the breaker. */
  reset(): void {
    this.restarts = [];
    this.consecutive = 0;
    this.healthySince = undefined;
  }

  get restartsInWindow(): number {
    return this.restarts.length;
  }
}
