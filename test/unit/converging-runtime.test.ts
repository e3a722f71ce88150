/**
 * A runtime whose engine converges and restarts on its own (swarm), on the fake runtime: the gate waits for
 * both the probe and convergence, a service without a probe is gated on convergence alone, and a restart is
 * the runtime's own (in place) instead of stop + start.
 */
import { describe, expect, it } from 'vitest';
import type { StackEvent } from '../../src/core/events.js';
import { restartService } from '../../src/engine/restart.js';
import { up } from '../../src/engine/up.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeRuntime } from '../support/fake-runtime.js';
import { miniSpec } from '../support/spec.js';

/** Converged this long after each start (tasks scheduled and running). */
function converging(runtime: FakeRuntime, clock: FakeClock, afterMs: number) {
  runtime.converged = async (s: string) => {
    const started = runtime.startedAt.get(s);
    return started !== undefined && clock.now() - started >= afterMs ? undefined : 'swarm: 0 of 1 tasks running (starting)';
  };
}

describe('a runtime that converges on its own', () => {
  it('passes the gate only when the probe passes and every replica runs', async () => {
    const clock = new FakeClock();
    const spec = miniSpec({ db: {}, api: { deps: ['db'] } });
    const runtime = new FakeRuntime(clock, { db: { readyAfterMs: 100 }, api: { readyAfterMs: 100 } });
    converging(runtime, clock, 1_000);
    const events: StackEvent[] = [];
    const result = await clock.drive(up({ spec, runtime, clock, emit: (e) => events.push(e), probeRunner: runtime.probeRunner }));
    expect(result.outcome['db']!.state).toBe('healthy');
    // The probe passed at 100 ms; db was healthy only once converged, so api started after 1 s.
    const apiStart = runtime.calls.find((c) => c.startsWith('start api@'))!;
    expect(Number(apiStart.split('@')[1])).toBeGreaterThanOrEqual(1_000);
    const waiting = events.find((e) => e.type === 'probe' && e.service === 'db' && !e.result.ok && e.result.error?.startsWith('swarm:'));
    expect(waiting).toBeDefined();
  });

  it('gates a service without a probe on convergence alone', async () => {
    const clock = new FakeClock();
    const spec = miniSpec({ plain: { probe: false }, after: { deps: [['plain', 'started']] } });
    const runtime = new FakeRuntime(clock, { plain: {}, after: { readyAfterMs: 10 } });
    converging(runtime, clock, 700);
    const result = await clock.drive(up({ spec, runtime, clock, emit: () => {}, probeRunner: runtime.probeRunner }));
    expect(result.outcome['plain']!.state).toBe('healthy');
    expect(result.outcome['plain']!.readyMs).toBeGreaterThanOrEqual(700);
  });

  it('restarts in place (no stop + start) when the runtime has its own restart', async () => {
    const clock = new FakeClock();
    const spec = miniSpec({ db: {} });
    const runtime = new FakeRuntime(clock, { db: { readyAfterMs: 10, running: true } });
    const restarted: string[] = [];
    runtime.restart = async (s: string) => {
      restarted.push(s);
      runtime.startedAt.set(s, clock.now());
    };
    const outcome = await clock.drive(
      restartService({ spec, runtime, clock, emit: () => {}, probeRunner: runtime.probeRunner }, spec.services['db']!, new AbortController().signal),
    );
    expect(outcome.ok).toBe(true);
    expect(restarted).toEqual(['db']);
    expect(runtime.calls.filter((c) => c.startsWith('stop') || c.startsWith('start'))).toEqual([]);
  });
});
