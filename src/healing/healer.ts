/**
 * The healing loop of one service: ask its restart budget what next, wait out the backoff, restart through
 * the gate; a restart that fails the gate counts as the next failure. When the budget says no more, the
 * breaker opens and the service is left failed until `stack restart` or a change to stack.yaml.
 */
import type { Emit } from '../core/events.js';
import type { ServiceSpec } from '../config/types.js';
import type { ContextWithoutSignal } from '../probes/run-probe.js';
import type { EventMemory } from './classify-event.js';
import type { RestartBudget } from './restart-budget.js';

export type HealState = 'healthy' | 'unhealthy' | 'restarting' | 'failed' | 'degraded' | 'stopped';

/** What the supervisor knows of one supervised service. */
export interface Watched {
  spec: ServiceSpec;
  state: HealState;
  budget: RestartBudget;
  ctx: ContextWithoutSignal;
  restarts: number;
  memory: EventMemory;
  lastFailure?: { reason: string; at: number };
  nextRetryAt?: number;
  downSince?: number;
  healing?: Promise<void>;
  healAbort?: AbortController;
  /** Its breaker opened since it was last healthy: its recovery is worth a notification. */
  breakerOpened?: boolean;
}

/** Up and serving: the states in which something noticed about the service is news. */
export const isUp = (w: Pick<Watched, 'state'>) => w.state === 'healthy' || w.state === 'degraded';

export type RestartOutcome = { ok: true } | { ok: false; reason: string } | 'cancelled';

export interface HealerOps {
  now(): number;
  emit: Emit;
  /** Sleeps; false when cancelled. */
  pause(ms: number, signal: AbortSignal): Promise<boolean>;
  /** Waits until the engine answers; false when cancelled. */
  engineReady(signal: AbortSignal): Promise<boolean>;
  restartOne(w: Watched, why: 'heal', attempt: number, signal: AbortSignal): Promise<RestartOutcome>;
  breakerOpened(w: Watched, why: string): void;
  recovered(w: Watched, signal: AbortSignal): Promise<void>;
}

export async function healLoop(w: Watched, firstReason: string, signal: AbortSignal, ops: HealerOps): Promise<void> {
  let reason = firstReason;
  w.state = 'unhealthy';
  w.downSince ??= ops.now();
  for (;;) {
    const decision = w.budget.failed(ops.now());
    if (decision.kind === 'breaker-open') {
      w.state = 'failed';
      delete w.nextRetryAt;
      const why = `${decision.restartsInWindow} restarts within ${(w.spec.heal?.windowMs ?? 0) / 1000}s; last failure: ${reason}`;
      ops.emit({ type: 'breaker', at: ops.now(), service: w.spec.name, open: true, restartsInWindow: decision.restartsInWindow, reason: why });
      w.breakerOpened = true;
      ops.breakerOpened(w, why);
      return;
    }
    w.nextRetryAt = ops.now() + decision.delayMs;
    ops.emit({ type: 'backoff', at: ops.now(), service: w.spec.name, attempt: decision.attempt, delayMs: decision.delayMs, nextAt: w.nextRetryAt });
    if (!(await ops.pause(decision.delayMs, signal))) return;
    if (!(await ops.engineReady(signal))) return;
    delete w.nextRetryAt;
    w.budget.restarted(ops.now());
    const outcome = await ops.restartOne(w, 'heal', decision.attempt, signal);
    if (outcome === 'cancelled') return;
    if (outcome.ok) {
      ops.emit({ type: 'recovered', at: ops.now(), service: w.spec.name, downMs: ops.now() - (w.downSince ?? ops.now()), attempt: decision.attempt });
      delete w.downSince;
      await ops.recovered(w, signal);
      return;
    }
    reason = outcome.reason;
    w.state = 'unhealthy';
  }
}
