import { describe, expect, it } from 'vitest';
import type { HealPolicy } from '../../src/config/types.js';
import type { StackEvent } from '../../src/core/events.js';
import { Supervisor, type HealNotification } from '../../src/healing/supervisor.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeRuntime, type ServiceScript } from '../support/fake-runtime.js';
import { miniSpec, type MiniService } from '../support/spec.js';

const heal = (p: Partial<HealPolicy> = {}): Partial<HealPolicy> => ({
  backoff: { initialMs: 1_000, factor: 2, maxMs: 60_000, jitter: 0 },
  maxRestarts: 3,
  windowMs: 600_000,
  ...p,
});

/** Runs a supervisor over running services for `ms` of fake time while `script` acts on the runtime. */
async function supervise(
  services: Record<string, MiniService & ServiceScript>,
  ms: number,
  script: (rt: FakeRuntime, clock: FakeClock, sup: Supervisor) => Promise<void> | void,
) {
  const clock = new FakeClock();
  const all = Object.fromEntries(Object.entries(services).map(([n, s]) => [n, { readyAfterMs: 0, running: true, ...s }]));
  const runtime = new FakeRuntime(clock, all);
  const events: StackEvent[] = [];
  const notes: HealNotification[] = [];
  const spec = miniSpec(all);
  const sup = new Supervisor(
    {
      spec,
      runtime,
      clock,
      emit: (e) => events.push({ ...e, at: clock.elapsed } as StackEvent),
      probeRunner: runtime.probeRunner,
      notify: (n) => notes.push(n),
    },
    Object.keys(all),
  );
  const controller = new AbortController();
  const done = sup.run(controller.signal);
  await clock.drive(
    (async () => {
      await clock.sleep(10);
      await script(runtime, clock, sup);
      await clock.sleep(ms);
      controller.abort();
      await done;
    })(),
  );
  const of = <T extends StackEvent['type']>(type: T) => events.filter((e): e is Extract<StackEvent, { type: T }> => e.type === type);
  return { runtime, events, of, sup, notes };
}

describe('Supervisor', () => {
  it('restarts a crashed service after the initial backoff and sees it healthy again', async () => {
    const { of, runtime, sup, notes } = await supervise({ db: { heal: heal() } }, 5_000, (rt) => rt.crash('db', 137, '9'));
    expect(of('detected')).toMatchObject([{ service: 'db', trigger: 'exit', reason: 'exited with code 137 (killed with signal 9)', healed: true }]);
    expect(of('backoff')).toMatchObject([{ service: 'db', attempt: 1, delayMs: 1_000 }]);
    expect(of('restart')).toMatchObject([{ service: 'db', why: 'heal', at: 1_010 }]);
    expect(of('recovered')).toMatchObject([{ service: 'db', attempt: 1 }]);
    expect(runtime.calls.filter((c) => c.startsWith('start db'))).toHaveLength(1);
    expect(notes).toEqual([]); // healed on its own: journal only, no webhook
    expect(sup.snapshot()[0]).toMatchObject({ state: 'healthy', restarts: 1, breaker: 'closed', lastFailure: { reason: expect.stringMatching(/exited/) } });
  });

  it('answers status from its live state: containers listed once while the engine reports nothing, again after an event', async () => {
    const seen: { calls: number; health: string[] }[] = [];
    await supervise({ db: { heal: heal() }, cache: { heal: heal() } }, 3_000, async (rt, clock, sup) => {
      await clock.sleep(1_000); // a liveness round: probe results of its own
      const pings = rt.pings;
      const first = await sup.status();
      await sup.status();
      seen.push({ calls: rt.inspectAllCalls, health: first.services.map((x) => `${x.name} ${x.state} ${x.health} ${x.lastProbe?.ok}`) });
      rt.crash('cache', 137, '9');
      await clock.sleep(1); // the engine's event reaches the supervisor
      const after = await sup.status();
      seen.push({ calls: rt.inspectAllCalls, health: after.services.map((x) => `${x.name} ${x.state} ${x.health}`) });
      expect(rt.pings).toBe(pings); // the supervisor's status does not ask the engine whether it is there
    });
    expect(seen[0]).toEqual({ calls: 1, health: ['cache running healthy true', 'db running healthy true'] });
    expect(seen[1]).toEqual({ calls: 2, health: ['cache exited unhealthy', 'db running healthy'] });
  });

  it('recreates a container removed by hand (counted as a restart, through the gate)', async () => {
    const { of, runtime, sup, events } = await supervise({ db: { heal: heal() } }, 5_000, (rt) => rt.remove('db'));
    expect(of('detected')).toMatchObject([{ service: 'db', trigger: 'exit', healed: true }]);
    expect(runtime.calls.filter((c) => c.startsWith('create'))).toEqual(['create db (only these)']);
    expect(runtime.calls.indexOf('create db (only these)')).toBeLessThan(runtime.calls.findIndex((c) => c.startsWith('start db')));
    expect(events.find((e) => e.type === 'service' && e.state === 'healthy')).toMatchObject({ service: 'db', detail: 'its container was gone: recreated' });
    expect(of('recovered')).toHaveLength(1);
    expect(sup.snapshot()[0]).toMatchObject({ state: 'healthy', restarts: 1 });
  });

  it('heals a stop by hand, unless the policy leaves stopped services alone', async () => {
    const healed = await supervise({ db: { heal: heal() } }, 3_000, (rt) => rt.stopByHand('db'));
    expect(healed.of('detected')).toMatchObject([{ trigger: 'stopped', healed: true }]);
    expect(healed.of('recovered')).toHaveLength(1);
    const left = await supervise({ db: { heal: heal({ on: ['exit', 'unhealthy'] }) } }, 3_000, (rt) => rt.stopByHand('db'));
    expect(left.of('detected')).toMatchObject([{ trigger: 'stopped', healed: false }]);
    expect(left.of('restart')).toHaveLength(0);
    expect(left.sup.snapshot()[0]!.state).toBe('stopped');
  });

  it('restarts a hung service after failure_threshold failed liveness probes', async () => {
    const { of } = await supervise({ db: { heal: heal() } }, 3_000, (rt) => void rt.hung.add('db'));
    const live = of('liveness').filter((e) => !e.result.ok);
    expect(live.map((e) => e.failures)).toEqual([1, 2, 3]);
    expect(of('detected')).toMatchObject([
      { trigger: 'unhealthy', reason: expect.stringMatching(/liveness probe failed 3 times in a row; last: connection refused/) },
    ]);
    expect(live[2]!.at - live[0]!.at).toBeLessThanOrEqual(300); // interval 100 ms × threshold 3
    expect(of('restart')).toHaveLength(1);
  });

  it('backs off on a crash loop, opens the breaker, marks dependents degraded and leaves other services alone', async () => {
    const { of, runtime, notes, sup } = await supervise(
      { db: { heal: heal() }, api: { deps: ['db'], heal: heal() }, cache: { heal: heal() } },
      60_000,
      (rt) => {
        rt.crashOnStart.add('db');
        rt.crash('db', 1);
      },
    );
    expect(of('backoff').map((e) => e.delayMs)).toEqual([1_000, 2_000, 4_000]);
    expect(of('breaker')).toMatchObject([{ service: 'db', open: true, restartsInWindow: 3 }]);
    expect(of('degraded')).toMatchObject([{ service: 'api', degraded: true }]);
    expect(notes).toMatchObject([{ event: 'breaker-open', service: 'db' }]);
    expect(runtime.calls.filter((c) => /^(start|stop) (api|cache)/.test(c))).toEqual([]);
    expect(sup.snapshot().find((s) => s.name === 'db')).toMatchObject({ state: 'failed', breaker: 'open', restarts: 3 });
  });

  it('does not restart a dependent whose probe fails only while its dependency is being healed', async () => {
    const { of } = await supervise({ db: { heal: heal() }, api: { deps: ['db'], heal: heal() } }, 3_000, async (rt, clock) => {
      rt.crash('db', 137, '9');
      rt.hung.add('api'); // api's health check fails while db is down…
      await clock.sleep(1_000);
      rt.hung.delete('api'); // …and passes again once db is back
    });
    expect(of('recovered').map((e) => e.service)).toEqual(['db']);
    expect(of('restart').map((e) => e.service)).toEqual(['db']);
    expect(of('detected').map((e) => e.service)).toEqual(['db']);
  });

  it('restarts dependents in graph order once the dependency is healthy again', async () => {
    const { of } = await supervise({ db: { heal: heal({ restartDependents: true }) }, api: { deps: ['db'] }, web: { deps: ['api'] }, other: {} }, 5_000, (rt) =>
      rt.crash('db', 1),
    );
    const restarts = of('restart').map((e) => `${e.service}:${e.why}`);
    expect(restarts).toEqual(['db:heal', 'api:dependency', 'web:dependency']);
    const recoveredDb = of('recovered')[0]!.at;
    expect(of('restart').find((e) => e.service === 'api')!.at).toBeGreaterThanOrEqual(recoveredDb);
  });

  it('reconnects when the engine goes away and heals what died meanwhile', async () => {
    const { of } = await supervise({ db: { heal: heal() } }, 10_000, async (rt, clock) => {
      rt.disconnectEngine();
      rt.crash('db', 255); // nobody hears this: the stream is gone
      await clock.sleep(2_000);
      rt.reconnectEngine();
    });
    expect(of('engine').map((e) => e.connected)).toEqual([false, true]);
    expect(of('detected')).toMatchObject([
      { trigger: 'exit', reason: expect.stringMatching(/found exited \(exit code 255\) while the supervisor was not watching/) },
    ]);
    expect(of('recovered')).toHaveLength(1);
  });

  it('a manual restart closes the breaker and brings the service back', async () => {
    const { of, sup, notes } = await supervise({ db: { heal: heal({ maxRestarts: 1 }) } }, 5_000, async (rt, clock, s) => {
      rt.crashOnStart.add('db');
      rt.crash('db', 1);
      await clock.sleep(5_000);
      expect(s.snapshot()[0]).toMatchObject({ state: 'failed', breaker: 'open' });
      rt.crashOnStart.delete('db');
      expect(await s.restart(['db'], false)).toEqual([{ service: 'db', ok: true }]);
    });
    expect(of('breaker').map((e) => e.open)).toEqual([true, false]);
    expect(notes.map((n) => n.event)).toEqual(['breaker-open', 'recovered']);
    expect(of('restart').at(-1)).toMatchObject({ service: 'db', why: 'manual' });
    expect(sup.snapshot()[0]).toMatchObject({ state: 'healthy', breaker: 'closed' });
  });
});
