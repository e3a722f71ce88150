import { describe, expect, it } from 'vitest';
import type { StackEvent } from '../../src/core/events.js';
import { expectedWeight, START_SLOTS, up, type UpOptions } from '../../src/engine/up.js';
import { startupGap } from '../../src/engine/gate.js';
import { DependencyFailedError, GateFailedError, InterruptedError, StartFailedError, UsageError } from '../../src/core/errors.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeRuntime, type ServiceScript } from '../support/fake-runtime.js';
import { miniSpec, type MiniService } from '../support/spec.js';

function setup(services: Record<string, MiniService & ServiceScript>) {
  const clock = new FakeClock();
  const runtime = new FakeRuntime(clock, services);
  const events: StackEvent[] = [];
  const run = (options: UpOptions = {}) =>
    clock.drive(up({ spec: miniSpec(services), runtime, clock, emit: (e) => events.push(e), probeRunner: runtime.probeRunner }, options));
  const startedAt = (name: string) => {
    const call = runtime.calls.find((c) => c.startsWith(`start ${name}@`));
    return call === undefined ? undefined : Number(call.split('@')[1]);
  };
  return { clock, runtime, events, run, startedAt };
}

// slow (2 s) and fast (200 ms) in wave 0; after-fast depends only on fast.
const diamond = {
  slow: { readyAfterMs: 2_000 },
  fast: { readyAfterMs: 200 },
  'after-fast': { deps: ['fast'], readyAfterMs: 200 },
  top: { deps: ['slow', 'after-fast'], readyAfterMs: 100 },
};

describe('scheduler', () => {
  it('eager: starts each service as soon as its own dependencies are healthy', async () => {
    const { run, startedAt, clock } = setup(diamond);
    const result = await run();
    expect(startedAt('after-fast')).toBe(200);
    // slow is ready at 2 000 ms; by then the gate's gaps have grown to the 100 ms interval (startupGap): seen at 2 012.
    expect(startedAt('top')).toBe(2_012);
    expect(clock.elapsed).toBe(2_112);
    expect(Object.values(result.outcome).every((o) => o.state === 'healthy')).toBe(true);
  });

  it('waves: holds each wave until the whole previous wave is healthy', async () => {
    const { run, startedAt, clock } = setup(diamond);
    const result = await run({ strategy: 'waves' });
    expect(result.waves).toEqual([['fast', 'slow'], ['after-fast'], ['top']]);
    expect(startedAt('after-fast')).toBe(2_012);
    expect(startedAt('top')).toBe(2_212);
    expect(clock.elapsed).toBe(2_312);
  });

  it('starts independent services concurrently and creates everything in one compose call', async () => {
    const { run, runtime, startedAt } = setup({ a: { readyAfterMs: 100 }, b: { readyAfterMs: 100 }, c: { readyAfterMs: 100 } });
    await run();
    expect(runtime.calls.filter((c) => c.startsWith('create'))).toEqual(['create a,b,c']);
    expect([startedAt('a'), startedAt('b'), startedAt('c')]).toEqual([0, 0, 0]);
  });

  it('creates a large stack in one call in start order, starting each service as soon as its own container exists', async () => {
    const services: Record<string, MiniService & ServiceScript> = {};
    for (let i = 0; i < 100; i++)
      services[`s${String(i).padStart(3, '0')}`] = { readyAfterMs: 100, ...(i >= 50 ? { deps: [`s${String(i - 50).padStart(3, '0')}`] } : {}) };
    const { run, runtime, startedAt } = setup(services);
    runtime.createDelayMs = 10; // per container, as through the engine API
    await run();
    const creates = runtime.calls.filter((c) => c.startsWith('create'));
    expect(creates).toHaveLength(1);
    expect(creates[0]).toMatch(/^create s000,s001,/); // wave 0 first
    // s000 exists after 10 ms and starts then, while the other 99 are still being created (until 1 s).
    expect(startedAt('s000')).toBe(10);
    expect(startedAt('s049')).toBe(500);
    // A dependent starts once its dependency is healthy and its own container exists, whichever is later.
    expect(startedAt('s050')).toBe(510);
  });

  it('with limited start slots, starts the service with the longest chain below it first (critical-path-first)', async () => {
    // a, b and c have nothing below them; z heads a chain of three. One start slot, 100 ms per start.
    const services = { a: { readyAfterMs: 0 }, b: { readyAfterMs: 0 }, c: { readyAfterMs: 0 }, z: { readyAfterMs: 0 } } as Record<
      string,
      MiniService & ServiceScript
    >;
    services['z-child'] = { deps: ['z'], readyAfterMs: 0 };
    services['z-grandchild'] = { deps: ['z-child'], readyAfterMs: 0 };
    const { run, runtime } = setup(services);
    runtime.startDelayMs = 100;
    await run({ startSlots: 1 });
    expect(runtime.maxStartsInFlight).toBe(1);
    expect(runtime.calls.find((c) => c.startsWith('create'))).toBe('create z,a,b,c,z-child,z-grandchild');
    // z-child becomes startable once z is healthy, when a, b and c have waited since 0 ms: it has the longer chain
    // below it, so it takes the next free slot (FIFO would start it last, at 400 ms). Equal ranks go in arrival order.
    const order = runtime.calls.filter((c) => c.startsWith('start ')).join(' ');
    expect(order).toBe('start z@0 start z-child@100 start a@200 start b@300 start c@400 start z-grandchild@500');
  });

  it('with a history of ready times, ranks by the time still to go below a service, not by the count', async () => {
    // By count, a (with a-child below it) goes before slow; by time, slow (2 s alone) goes first.
    const services = { a: { readyAfterMs: 0 }, slow: { readyAfterMs: 0 } } as Record<string, MiniService & ServiceScript>;
    services['a-child'] = { deps: ['a'], readyAfterMs: 0 };
    const byCount = setup(services);
    byCount.runtime.startDelayMs = 100;
    await byCount.run({ startSlots: 1 });
    expect(byCount.runtime.calls.find((c) => c.startsWith('create'))).toBe('create a,slow,a-child');
    const byTime = setup(services);
    byTime.runtime.startDelayMs = 100;
    await byTime.run({ startSlots: 1, expectedReadyMs: { a: 100, 'a-child': 100, slow: 2_000 } });
    expect(byTime.runtime.calls.find((c) => c.startsWith('create'))).toBe('create slow,a,a-child');
    expect(byTime.startedAt('slow')).toBe(0);
  });

  it('expectedWeight: a known time (at least 1 ms), the median of the known ones for the rest, 1 with no history', () => {
    const w = expectedWeight({ a: 100, b: 0, c: 900 }, ['a', 'b', 'c', 'new']);
    expect(['a', 'b', 'c', 'new'].map(w)).toEqual([100, 1, 900, 100]);
    expect(expectedWeight({}, ['a'])('a')).toBe(1);
  });

  it('refuses start slots that are not a whole number of at least 1 (they would start nothing)', async () => {
    for (const startSlots of [0, -1, 1.5, NaN]) {
      const { run, runtime } = setup({ a: { readyAfterMs: 0 } });
      await expect(run({ startSlots })).rejects.toBeInstanceOf(UsageError);
      expect(runtime.calls).toEqual([]);
    }
  });

  it('with the default start slots, several starts are in flight at once', async () => {
    const services: Record<string, MiniService & ServiceScript> = {};
    for (const n of ['a', 'b', 'c', 'd', 'e', 'f']) services[n] = { readyAfterMs: 0 };
    const { run, runtime } = setup(services);
    runtime.startDelayMs = 100;
    await run();
    expect(runtime.maxStartsInFlight).toBe(START_SLOTS);
  });

  it('probes every 25 ms right after a start, growing to the interval: a quick service is seen ready within tens of ms', async () => {
    const { run, events } = setup({ quick: { readyAfterMs: 60 }, slow: { readyAfterMs: 5_000 } });
    const result = await run();
    const attempts = (name: string) => events.filter((e) => e.type === 'probe' && e.service === name).length;
    expect(result.outcome['quick']!.readyMs).toBe(75); // probes at 0, 25, 50, 75 (the interval is 100 ms)
    // slow: seen within one interval of being ready, with far fewer probes than a fixed 25 ms pace (200).
    expect(result.outcome['slow']!.readyMs).toBeGreaterThanOrEqual(5_000);
    expect(result.outcome['slow']!.readyMs).toBeLessThanOrEqual(5_100);
    expect(attempts('slow')).toBeLessThan(70);
  });

  it('startupGap: an eighth of the time since start, between 25 ms and the interval', () => {
    expect([0, 100, 400, 800, 4_000, 60_000].map((t) => startupGap(t, 1_000))).toEqual([25, 25, 50, 100, 500, 1_000]);
    expect(startupGap(60_000, 250)).toBe(250);
  });

  it('fails a service by its deadline, reports why, and does not start its dependents', async () => {
    const { run, runtime, events, clock } = setup({
      db: { readyAfterMs: undefined, timeoutMs: 3_000 },
      cache: { readyAfterMs: 100 },
      api: { deps: ['db', 'cache'], readyAfterMs: 100 },
      web: { deps: ['api'], readyAfterMs: 100 },
    });
    const err = await run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateFailedError);
    const report = (err as GateFailedError).reports[0]!;
    expect(report).toMatchObject({ service: 'db', kind: 'deadline', notStarted: ['api', 'web'], logs: ['db log line'] });
    expect(report.reason).toMatch(/not healthy within its startup_timeout of 3s; last probe: connection refused/);
    expect(report.probes.length).toBeGreaterThan(0);
    expect(report.probes.length).toBeLessThanOrEqual(5);
    expect(clock.elapsed).toBeGreaterThanOrEqual(3_000);
    expect(clock.elapsed).toBeLessThan(3_200);
    expect(runtime.calls.some((c) => c.startsWith('start api') || c.startsWith('start web'))).toBe(false);
    expect(
      events
        .filter((e) => e.type === 'service' && e.state === 'skipped')
        .map((e) => (e as { service: string }).service)
        .sort(),
    ).toEqual(['api', 'web']);
    expect(events.some((e) => e.type === 'failure' && e.report.service === 'db')).toBe(true);
  });

  it('--wait-timeout caps every deadline at one overall deadline, and the report says which', async () => {
    const { run, clock } = setup({ db: { readyAfterMs: 5_000, timeoutMs: 60_000 }, api: { deps: ['db'], readyAfterMs: 100 } });
    const err = (await run({ waitTimeoutMs: 2_000 }).catch((e: unknown) => e)) as GateFailedError;
    expect(err).toBeInstanceOf(GateFailedError);
    expect(err.reports[0]!.reason).toMatch(/^not healthy within --wait-timeout of 2s; last probe: connection refused/);
    expect(err.reports[0]!.notStarted).toEqual(['api']);
    expect(clock.elapsed).toBeGreaterThanOrEqual(2_000);
    expect(clock.elapsed).toBeLessThan(2_200);
  });

  it('fails fast when the container exits during startup instead of waiting for the deadline', async () => {
    const { run, clock } = setup({ db: { exitAfterMs: 500, exitCode: 3, timeoutMs: 60_000 } });
    const err = (await run().catch((e: unknown) => e)) as GateFailedError;
    expect(err).toBeInstanceOf(GateFailedError);
    expect(err.reports[0]!.kind).toBe('exited');
    expect(err.reports[0]!.reason).toMatch(/exited with code 3/);
    expect(clock.elapsed).toBeLessThan(1_000);
  });

  it('leaves running healthy services alone (idempotent up)', async () => {
    const { run, runtime } = setup({ db: { running: true, readyAfterMs: 0 }, api: { deps: ['db'], readyAfterMs: 100 } });
    const result = await run();
    expect(runtime.calls.some((c) => c.startsWith('start db'))).toBe(false);
    expect(result.outcome['db']).toMatchObject({ state: 'healthy', unchanged: true });
    expect(result.outcome['api']).toMatchObject({ state: 'healthy' });
    expect(result.outcome['api']!.unchanged).toBeUndefined();
  });

  it('brings up only the requested services and their dependencies', async () => {
    const { run, runtime } = setup(diamond);
    const result = await run({ services: ['after-fast'] });
    expect(Object.keys(result.outcome).sort()).toEqual(['after-fast', 'fast']);
    expect(runtime.calls[0]).toBe('create fast,after-fast'); // in start order
  });

  it('rejects unknown services before touching the engine', async () => {
    const { run, runtime } = setup(diamond);
    await expect(run({ services: ['nope'] })).rejects.toBeInstanceOf(UsageError);
    expect(runtime.calls).toEqual([]);
  });

  it('reports DependencyFailed when the requested service was skipped because a dependency failed', async () => {
    const { run } = setup({ db: { timeoutMs: 1_000 }, api: { deps: ['db'], readyAfterMs: 100 } });
    const err = await run({ services: ['api'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyFailedError);
    expect((err as DependencyFailedError).message).toMatch(/api not started: db failed/);
  });

  it('maps a start error (port taken) to StartFailed with the engine message', async () => {
    const { run } = setup({ db: { startError: 'port is already allocated' } });
    const err = (await run().catch((e: unknown) => e)) as StartFailedError;
    expect(err).toBeInstanceOf(StartFailedError);
    expect(err.reports[0]!.reason).toMatch(/port is already allocated/);
  });

  it('waits for condition: completed until a one-shot service exits 0', async () => {
    const { run, startedAt } = setup({
      migrate: { exitAfterMs: 700, exitCode: 0, probe: false },
      api: { deps: [['migrate', 'completed']], readyAfterMs: 100 },
    });
    const result = await run();
    expect(result.outcome['migrate']!.state).toBe('completed');
    expect(startedAt('api')).toBeGreaterThanOrEqual(700);
  });

  it('treats condition: started as satisfied once the container runs, before it is healthy', async () => {
    const { run, startedAt } = setup({ db: { readyAfterMs: 1_000 }, api: { deps: [['db', 'started']], readyAfterMs: 100 } });
    await run();
    expect(startedAt('api')).toBe(0);
  });

  it('on interrupt stops probing, starts nothing more and says what it left', async () => {
    const clock = new FakeClock();
    const services: Record<string, MiniService & ServiceScript> = { db: {}, api: { deps: ['db'], readyAfterMs: 100 } };
    const runtime = new FakeRuntime(clock, services);
    const controller = new AbortController();
    void clock.sleep(1_000).then(() => controller.abort(new Error('interrupted')));
    const err = await clock
      .drive(up({ spec: miniSpec(services), runtime, clock, emit: () => {}, probeRunner: runtime.probeRunner }, { signal: controller.signal }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as Error).message).toMatch(/healthy: none; left as they were \(running, not proven healthy\): db; not started: api/);
    expect(runtime.calls.some((c) => c.startsWith('start api'))).toBe(false);
  });
});

describe('jobs (kind: job)', () => {
  it('run to exit 0 before their dependents start; one that exits non-zero fails up and skips its dependents', async () => {
    const ok = setup({ migrate: { job: true, exitAfterMs: 300, exitCode: 0 }, api: { deps: ['migrate'], readyAfterMs: 100 } });
    const result = await ok.run();
    expect(result.outcome['migrate']!.state).toBe('completed');
    expect(ok.startedAt('api')).toBeGreaterThanOrEqual(300);
    const bad = setup({ migrate: { job: true, exitAfterMs: 300, exitCode: 3 }, api: { deps: ['migrate'], readyAfterMs: 100 } });
    await expect(bad.run()).rejects.toThrow(/migrate failed; not started: api/);
    expect(bad.startedAt('api')).toBeUndefined();
    const failure = bad.events.find((e): e is Extract<StackEvent, { type: 'failure' }> => e.type === 'failure');
    expect(failure?.report).toMatchObject({ service: 'migrate', kind: 'completed-nonzero', reason: expect.stringMatching(/exited with code 3/) });
  });

  it('a job that already completed is not run again, unless rerunJobs', async () => {
    // Ran an hour ago (running: true sets its start then) and exited 0 after 10 ms: its container is still there.
    const services = { migrate: { job: true, running: true, exitAfterMs: 10, exitCode: 0 }, api: { deps: ['migrate'], readyAfterMs: 100 } };
    const once = setup(services);
    const result = await once.run();
    expect(once.startedAt('migrate')).toBeUndefined();
    expect(result.outcome['migrate']).toMatchObject({ state: 'completed', unchanged: true });
    expect(once.events).toContainEqual(
      expect.objectContaining({ type: 'service', service: 'migrate', state: 'completed', detail: expect.stringMatching(/not run again/) }),
    );
    const again = setup(services);
    await again.run({ rerunJobs: true });
    expect(again.startedAt('migrate')).toBe(0);
  });
});
