import { describe, expect, it } from 'vitest';
import type { StackEvent } from '../../src/core/events.js';
import { planSteps, previewUp, type PreviewInput } from '../../src/engine/preview.js';
import { up } from '../../src/engine/up.js';
import type { ContainerInfo } from '../../src/runtime/types.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeRuntime, type ServiceScript } from '../support/fake-runtime.js';
import { miniSpec, type MiniService } from '../support/spec.js';

const info = (service: string, state: ContainerInfo['state'], exitCode = 0): ContainerInfo => ({
  id: service,
  name: service,
  service,
  state,
  exitCode,
  oomKilled: false,
  restartCount: 0,
  ports: [],
});
const input = (over: Partial<PreviewInput>): PreviewInput => ({
  order: [],
  reports: new Map(),
  current: new Map(),
  completes: new Set(),
  rerunJobs: false,
  orphans: [],
  keepOrphans: false,
  ...over,
});

describe('planSteps (what up would do, pure)', () => {
  it('services: create, recreate with the reason, start a stopped one, keep a running one; orphans first', () => {
    const plan = planSteps(
      input({
        order: ['db', 'cache', 'api', 'web'],
        reports: new Map([
          ['db', { service: 'db', via: 'api', action: 'kept' }],
          ['cache', { service: 'cache', via: 'compose', action: 'created', reason: 'it uses secrets' }],
          ['api', { service: 'api', via: 'api', action: 'recreated', reason: 'changed: image a → b' }],
          ['web', { service: 'web', via: 'api', action: 'kept' }],
        ]),
        current: new Map([
          ['db', info('db', 'running')],
          ['api', info('api', 'running')],
          ['web', info('web', 'exited', 137)],
        ]),
        orphans: ['old'],
      }),
    );
    expect(plan.steps.map((s) => [s.action, s.service, s.reason])).toEqual([
      ['remove', 'old', expect.stringMatching(/an orphan/)],
      ['keep', 'db', 'running with this definition'],
      ['create', 'cache', 'it uses secrets'],
      ['recreate', 'api', 'changed: image a → b'],
      ['start', 'web', 'it is exited'],
    ]);
    expect(plan.changes).toBe(4);
  });

  it('jobs: run when new, changed or failed last time; skip when completed with this definition unless rerunJobs', () => {
    const jobs = (current: ContainerInfo | undefined, action: 'kept' | 'recreated' | 'created', rerunJobs = false) =>
      planSteps(
        input({
          order: ['migrate'],
          completes: new Set(['migrate']),
          reports: new Map([
            ['migrate', { service: 'migrate', via: 'process', action, ...(action === 'recreated' ? { reason: 'its definition changed' } : {}) }],
          ]),
          current: new Map(current ? [['migrate', current]] : []),
          rerunJobs,
        }),
      ).steps[0]!;
    expect(jobs(undefined, 'created')).toMatchObject({ action: 'run', reason: 'not run yet' });
    expect(jobs(info('migrate', 'exited', 0), 'recreated')).toMatchObject({ action: 'run', reason: 'its definition changed: its definition changed' });
    expect(jobs(info('migrate', 'exited', 0), 'kept')).toMatchObject({ action: 'skip' });
    expect(jobs(info('migrate', 'exited', 0), 'kept', true)).toMatchObject({ action: 'run', reason: expect.stringMatching(/--rerun-jobs/) });
    expect(jobs(info('migrate', 'exited', 2), 'kept')).toMatchObject({ action: 'run', reason: 'its last run exited 2' });
    expect(jobs(info('migrate', 'running'), 'kept')).toMatchObject({ action: 'keep' });
  });

  it('a running dependent that names a recreated dependency with restart: true is restarted after it', () => {
    const plan = planSteps(
      input({
        order: ['db', 'api', 'web'],
        reports: new Map([
          ['db', { service: 'db', via: 'api', action: 'recreated', reason: 'changed: command' }],
          ['api', { service: 'api', via: 'api', action: 'kept' }],
          ['web', { service: 'web', via: 'api', action: 'kept' }],
        ]),
        current: new Map(['db', 'api', 'web'].map((n) => [n, info(n, 'running')])),
        restartAfter: new Map([
          ['api', ['db']],
          ['web', []],
        ]),
      }),
    );
    expect(plan.steps.map((s) => [s.action, s.service, s.reason])).toEqual([
      ['recreate', 'db', 'changed: command'],
      ['restart', 'api', 'after db is recreated (restart: true)'],
      ['keep', 'web', 'running with this definition'],
    ]);
  });

  it('a host process not running is started (there is nothing to create); a kept orphan is no change', () => {
    const plan = planSteps(
      input({
        order: ['worker'],
        reports: new Map([['worker', { service: 'worker', via: 'process', action: 'created' }]]),
        orphans: ['old'],
        keepOrphans: true,
      }),
    );
    expect(plan.steps.map((s) => [s.action, s.service])).toEqual([
      ['orphan', 'old'],
      ['start', 'worker'],
    ]);
    expect(plan.changes).toBe(1);
  });
});

describe('previewUp and up on a fake engine', () => {
  const services: Record<string, MiniService & ServiceScript> = { db: { readyAfterMs: 100 }, api: { deps: ['db'], readyAfterMs: 100 } };

  it('a preview creates, starts and removes nothing; up then does what it said, orphans removed before any create', async () => {
    const clock = new FakeClock();
    const runtime = new FakeRuntime(clock, services);
    runtime.orphanNames = ['old'];
    const spec = miniSpec(services);
    const plan = await previewUp({ spec, runtime });
    expect(plan.steps.map((s) => `${s.action} ${s.service}`)).toEqual(['remove old', 'create db', 'create api']);
    expect(runtime.calls).toEqual([]); // reads only

    const events: StackEvent[] = [];
    await clock.drive(up({ spec, runtime, clock, emit: (e) => events.push(e), probeRunner: runtime.probeRunner }));
    const removedAt = runtime.calls.indexOf('remove-orphan old');
    expect(removedAt).toBeGreaterThanOrEqual(0);
    expect(removedAt).toBeLessThan(runtime.calls.findIndex((c) => c.startsWith('create')));
    expect(events).toContainEqual(expect.objectContaining({ type: 'orphan', service: 'old', action: 'removed' }));
    expect((await previewUp({ spec, runtime })).changes).toBe(0);
  });

  it('keepOrphans: up leaves an orphan alone and says so', async () => {
    const clock = new FakeClock();
    const runtime = new FakeRuntime(clock, services);
    runtime.orphanNames = ['old'];
    const events: StackEvent[] = [];
    await clock.drive(up({ spec: miniSpec(services), runtime, clock, emit: (e) => events.push(e), probeRunner: runtime.probeRunner }, { keepOrphans: true }));
    expect(runtime.calls).not.toContain('remove-orphan old');
    expect(events).toContainEqual(expect.objectContaining({ type: 'orphan', service: 'old', action: 'kept' }));
  });

  it('a changed definition is previewed as a recreate with its reason', async () => {
    const clock = new FakeClock();
    const runtime = new FakeRuntime(clock, { ...services, db: { ...services.db, running: true } });
    runtime.changed.set('db', 'changed: environment (MODE)');
    const plan = await previewUp({ spec: miniSpec(services), runtime });
    expect(plan.steps[0]).toMatchObject({ service: 'db', action: 'recreate', reason: 'changed: environment (MODE)' });
  });
});

describe('up on a running stack whose definitions changed (rolling, on a fake engine)', () => {
  // db ← api (restart: true on db) ← web; all running and healthy.
  const running = { running: true, readyAfterMs: 100 };
  const setup = () => {
    const services: Record<string, MiniService & ServiceScript> = { db: running, api: { ...running, deps: ['db'] }, web: { ...running, deps: ['api'] } };
    const clock = new FakeClock();
    const runtime = new FakeRuntime(clock, services);
    const spec = miniSpec(services);
    spec.services['api']!.dependsOn[0]!.restart = true;
    const events: StackEvent[] = [];
    const run = () => clock.drive(up({ spec, runtime, clock, emit: (e) => events.push(e), probeRunner: runtime.probeRunner }));
    return { runtime, events, run };
  };
  const touched = (calls: string[]) => calls.filter((c) => /^(replace|stop|start) /.test(c)).map((c) => c.replace(/@\d+$/, ''));

  it('replaces the changed service, gates it, then restarts the dependent that asked for it; the rest is untouched', async () => {
    const { runtime, run, events } = setup();
    runtime.changed.set('db', 'changed: environment (MODE)');
    await run();
    expect(touched(runtime.calls)).toEqual(['replace db', 'start db', 'stop api', 'start api']);
    expect(runtime.replaced).toEqual(['commit db']);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'service', service: 'db', state: 'healthy', detail: 'recreated: changed: environment (MODE)' }),
    );
    expect(events).toContainEqual(expect.objectContaining({ type: 'service', service: 'api', state: 'healthy', detail: 'restarted after db' }));
  });

  it('a replacement that fails its gate is rolled back and said so; its dependents are not restarted', async () => {
    const { runtime, run } = setup();
    runtime.changed.set('db', 'changed: image a → b');
    runtime.hung.add('db');
    await expect(run()).rejects.toThrow(/db failed/);
    expect(runtime.replaced).toEqual(['rollback db']);
    expect(touched(runtime.calls)).toEqual(['replace db', 'start db']);
  });

  it('one replacement at a time per level: the second waits until the first passed its gate', async () => {
    const services: Record<string, MiniService & ServiceScript> = { a: { running: true, readyAfterMs: 300 }, b: { running: true, readyAfterMs: 300 } };
    const clock = new FakeClock();
    const runtime = new FakeRuntime(clock, services);
    runtime.changed.set('a', 'changed: command');
    runtime.changed.set('b', 'changed: command');
    await clock.drive(up({ spec: miniSpec(services), runtime, clock, emit: () => {}, probeRunner: runtime.probeRunner }));
    const at = (what: string) => Number(runtime.calls.find((c) => c.startsWith(what))!.split('@')[1] ?? runtime.calls.indexOf(what));
    expect(touched(runtime.calls)).toEqual(['replace a', 'start a', 'replace b', 'start b']);
    expect(at('start b@')).toBeGreaterThanOrEqual(at('start a@') + 300);
  });
});
