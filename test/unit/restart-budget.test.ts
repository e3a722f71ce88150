import { describe, expect, it } from 'vitest';
import { RestartBudget } from '../../src/healing/restart-budget.js';

const policy = { backoff: { initialMs: 1_000, factor: 2, maxMs: 8_000, jitter: 0 }, resetAfterMs: 60_000, maxRestarts: 5, windowMs: 600_000 };
const delays = (budget: RestartBudget, n: number, start = 0, step = 1) =>
  Array.from({ length: n }, (_, i) => {
    const d = budget.failed(start + i * step);
    if (d.kind === 'restart') budget.restarted(start + i * step);
    return d.kind === 'restart' ? d.delayMs : 'open';
  });

describe('RestartBudget', () => {
  it('backs off exponentially up to the cap', () => {
    expect(delays(new RestartBudget({ ...policy, maxRestarts: 10 }), 6)).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('opens the breaker after max_restarts within the window', () => {
    expect(delays(new RestartBudget(policy), 6)).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 'open']);
  });

  it('forgets restarts older than the window', () => {
    const budget = new RestartBudget({ ...policy, maxRestarts: 2, windowMs: 10_000 });
    expect(delays(budget, 2, 0, 1)).toEqual([1_000, 2_000]);
    expect(budget.failed(5_000).kind).toBe('breaker-open');
    expect(budget.failed(20_000)).toMatchObject({ kind: 'restart' }); // both earlier restarts left the window
  });

  it('resets the backoff after a stable run of reset_after', () => {
    const budget = new RestartBudget({ ...policy, maxRestarts: 10 });
    expect(delays(budget, 3)).toEqual([1_000, 2_000, 4_000]);
    budget.healthy(10_000);
    expect(budget.failed(30_000)).toMatchObject({ delayMs: 8_000 }); // healthy 20 s < 60 s: no reset
    budget.healthy(40_000);
    expect(budget.failed(100_000)).toMatchObject({ delayMs: 1_000, attempt: 1 }); // healthy 60 s: reset
  });

  it('keeps jitter within ±jitter of the delay', () => {
    for (const r of [0, 0.25, 0.5, 0.999]) {
      const d = new RestartBudget({ ...policy, backoff: { ...policy.backoff, jitter: 0.2 } }, () => r).failed(0);
      expect(d.kind === 'restart' && d.delayMs).toBeGreaterThanOrEqual(800);
      expect(d.kind === 'restart' && d.delayMs).toBeLessThanOrEqual(1_200);
    }
    expect(new RestartBudget({ ...policy, backoff: { ...policy.backoff, jitter: 0.2 } }, () => 0).failed(0)).toMatchObject({ delayMs: 800 });
  });

  it('reset() closes the breaker', () => {
    const budget = new RestartBudget({ ...policy, maxRestarts: 1 });
    delays(budget, 1);
    expect(budget.failed(1).kind).toBe('breaker-open');
    budget.reset();
    expect(budget.failed(2)).toMatchObject({ kind: 'restart', delayMs: 1_000 });
  });
});
