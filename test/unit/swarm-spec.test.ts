/** The swarm translation, pure: compose model → service specs, what swarm cannot honour, task states → a service's state. */
import { describe, expect, it } from 'vitest';
import type { ComposeModel } from '../../src/runtime/container-spec.js';
import {
  HASH_LABEL,
  NAMESPACE_LABEL,
  REPLICAS_LABEL,
  restartPolicy,
  serviceView,
  swarmNetworks,
  swarmProblems,
  swarmServicePlan,
  type SwarmStack,
  type TaskView,
} from '../../src/runtime/swarm/service-spec.js';
import { describeChange, meshOf } from '../../src/runtime/swarm/swarm-runtime.js';

// The spec as the engine API takes it: nested objects, read by key in these tests.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Spec = Record<string, any>;

const stack = (over: Partial<SwarmStack> = {}): SwarmStack => ({
  namespace: 'shop',
  env: { FROM_ENV: 'outer' },
  orderedAfter: (s) => new Set(s === 'api' ? ['db'] : []),
  ...over,
});

const model: ComposeModel = {
  services: {
    db: {
      image: 'postgres:16',
      environment: { POSTGRES_PASSWORD: 'secret', FROM_ENV: null },
      volumes: [{ type: 'volume', source: 'data', target: '/var/lib/postgresql/data' }],
      ports: [{ target: 5432, published: '15432', protocol: 'tcp' }],
      healthcheck: { test: ['CMD', 'pg_isready'], interval: '1s', retries: 3 },
      mem_limit: '256m',
      restart: 'on-failure:3',
    },
    api: {
      image: 'registry.local:5000/api:1',
      entrypoint: ['/bin/api'],
      command: 'serve --port 8080',
      ports: ['8080'],
      depends_on: { db: { condition: 'service_healthy' } },
      networks: { front: { aliases: ['web'] }, default: null },
      deploy: { replicas: 3, placement: { constraints: ['node.role==worker'] }, resources: { limits: { cpus: '0.5' } } },
    },
  },
  networks: { front: { driver: 'overlay' } },
  volumes: { data: null },
};

describe('swarmServicePlan', () => {
  it('names and labels a service as docker stack deploy does, created with 0 replicas', () => {
    const plan = swarmServicePlan(model, 'db', stack())!;
    expect(plan.name).toBe('shop_db');
    const spec = plan.spec as Spec;
    expect(spec['Name']).toBe('shop_db');
    expect(spec['Labels'][NAMESPACE_LABEL]).toBe('shop');
    expect(spec['Labels'][REPLICAS_LABEL]).toBe('1');
    expect(spec['Mode']).toEqual({ Replicated: { Replicas: 0 } });
    const c = spec['TaskTemplate']['ContainerSpec'];
    expect(c['Labels'][NAMESPACE_LABEL]).toBe('shop');
    // A variable without a value takes the stack's environment, as compose does.
    expect(c['Env']).toEqual(['POSTGRES_PASSWORD=secret', 'FROM_ENV=outer']);
    expect(c['Mounts']).toEqual([
      expect.objectContaining({
        Type: 'volume',
        Source: 'shop_data',
        Target: '/var/lib/postgresql/data',
        VolumeOptions: { Labels: { [NAMESPACE_LABEL]: 'shop' } },
      }),
    ]);
    expect(c['Healthcheck']).toEqual({ Test: ['CMD', 'pg_isready'], Interval: 1e9, Retries: 3 });
    // compose's restart and mem_limit, which docker stack deploy ignores, are carried over.
    expect(spec['TaskTemplate']['RestartPolicy']).toEqual({ Condition: 'on-failure', MaxAttempts: 3 });
    expect(spec['TaskTemplate']['Resources']['Limits']).toEqual({ MemoryBytes: 256 * 1024 ** 2 });
    expect(spec['EndpointSpec']).toEqual({ Mode: 'vip', Ports: [{ Protocol: 'tcp', TargetPort: 5432, PublishedPort: 15432, PublishMode: 'ingress' }] });
    expect(spec['TaskTemplate']['Networks']).toEqual([{ Target: 'shop_default', Aliases: ['db'] }]);
  });

  it('maps entrypoint to Command and command to Args, replicas, placement, cpus and networks with their aliases', () => {
    const plan = swarmServicePlan(model, 'api', stack())!;
    const spec = plan.spec as Spec;
    expect(plan.replicas).toBe(3);
    expect(spec['Labels'][REPLICAS_LABEL]).toBe('3');
    const c = spec['TaskTemplate']['ContainerSpec'];
    expect(c['Command']).toEqual(['/bin/api']);
    expect(c['Args']).toEqual(['serve', '--port', '8080']);
    expect(spec['TaskTemplate']['Placement']['Constraints']).toEqual(['node.role==worker']);
    expect(spec['TaskTemplate']['Resources']['Limits']).toEqual({ NanoCPUs: 5e8 });
    expect(spec['TaskTemplate']['Networks']).toEqual([
      { Target: 'shop_default', Aliases: ['api'] },
      { Target: 'shop_front', Aliases: ['api', 'web'] },
    ]);
    // An unpublished port number: swarm picks one.
    expect(spec['EndpointSpec']['Ports']).toEqual([{ Protocol: 'tcp', TargetPort: 8080, PublishMode: 'ingress' }]);
  });

  it('without a routing mesh: ports in host mode and DNS round-robin', () => {
    const spec = swarmServicePlan(model, 'api', stack({ mesh: false }))!.spec as Spec;
    expect(spec['EndpointSpec']).toEqual({ Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: 8080, PublishMode: 'host' }] });
  });

  it('its hash changes with its definition and only then', () => {
    const hash = (m: ComposeModel) => (swarmServicePlan(m, 'db', stack())!.spec['Labels'] as Record<string, string>)[HASH_LABEL];
    const changed = structuredClone(model);
    changed.services['db']!['environment'] = { POSTGRES_PASSWORD: 'other', FROM_ENV: null };
    expect(hash(model)).toBe(hash(structuredClone(model)));
    expect(hash(changed)).not.toBe(hash(model));
  });

  it('is undefined for a service compose does not have', () => {
    expect(swarmServicePlan(model, 'nope', stack())).toBeUndefined();
  });
});

describe('swarmProblems', () => {
  it('finds nothing wrong with what swarm can run', () => {
    expect(swarmProblems(model, ['db', 'api'], stack())).toEqual([]);
  });

  it('names every key swarm cannot honour, with its fix, instead of dropping it', () => {
    const bad: ComposeModel = {
      services: {
        box: {
          build: { context: '.' },
          privileged: true,
          network_mode: 'host',
          deploy: { mode: 'global', endpoint_mode: 'vip', weird: 1 },
          depends_on: ['db'],
          ports: ['127.0.0.1:80:80'],
          volumes: ['undeclared:/x'],
        },
        db: { image: 'postgres' },
      },
      networks: { legacy: { driver: 'bridge' } },
    };
    const problems = swarmProblems(bad, ['box'], stack({ orderedAfter: () => new Set() }));
    const byKey = Object.fromEntries(problems.map((p) => [p.key, p]));
    expect(Object.keys(byKey).sort()).toEqual(
      [
        'services.box.build',
        'services.box.depends_on.db',
        'services.box.deploy.mode',
        'services.box.deploy.weird',
        'services.box.network_mode',
        'services.box.ports',
        'services.box.privileged',
        'services.box.volumes',
      ].sort(),
    );
    expect(byKey['services.box.privileged']).toMatchObject({ severity: 'error', fix: expect.stringContaining('cap_add') });
    expect(byKey['services.box.depends_on.db']!.fix).toContain('stack.yaml');
    // A loopback address is said out loud, not refused: swarm publishes on every address.
    expect(byKey['services.box.ports']).toMatchObject({ severity: 'warning', message: expect.stringContaining('every address of every node') });
    expect(byKey['services.box.build']!.severity).toBe('error');
  });

  it('refuses a network driver that spans one machine only', () => {
    const m: ComposeModel = { services: { a: { image: 'x', networks: ['legacy'] } }, networks: { legacy: { driver: 'bridge' } } };
    expect(swarmProblems(m, ['a'], stack())).toEqual([expect.objectContaining({ key: 'services.a.networks.legacy', severity: 'error' })]);
    expect(swarmNetworks(m, 'shop').get('default')).toMatchObject({ name: 'shop_default', body: { Driver: 'overlay', Attachable: true } });
  });
});

describe('restartPolicy', () => {
  it('takes deploy.restart_policy first, then compose restart, else any', () => {
    expect(restartPolicy({ condition: 'on-failure', delay: '2s', max_attempts: 5 }, 'always')).toEqual({ Condition: 'on-failure', Delay: 2e9, MaxAttempts: 5 });
    expect(restartPolicy(undefined, 'no')).toEqual({ Condition: 'none' });
    expect(restartPolicy(undefined, 'unless-stopped')).toEqual({ Condition: 'any' });
    expect(restartPolicy(undefined, undefined)).toEqual({ Condition: 'any' });
  });
});

describe('serviceView', () => {
  const task = (state: string, desired: string, timestamp: string, more: Partial<TaskView> = {}): TaskView => ({ state, desired, timestamp, ...more });

  it('is running only when every replica has a running task', () => {
    const tasks = [task('running', 'running', '2026-01-01T00:00:02Z'), task('starting', 'running', '2026-01-01T00:00:03Z')];
    expect(serviceView(tasks, 2)).toMatchObject({ state: 'restarting', running: 1, waiting: '1 of 2 tasks running (starting)' });
    expect(serviceView([tasks[0]!], 1)).toMatchObject({ state: 'running', running: 1, startedAt: '2026-01-01T00:00:02Z' });
  });

  it('counts failed tasks as restarts and says the newest failure in swarm words', () => {
    const tasks = [
      task('failed', 'shutdown', '2026-01-01T00:00:01Z', { exitCode: 137, error: 'task: non-zero exit (137)' }),
      task('running', 'running', '2026-01-01T00:00:07Z'),
    ];
    expect(serviceView(tasks, 1)).toMatchObject({ state: 'running', restarts: 1, exitCode: 137, lastError: 'task failed: task: non-zero exit (137)' });
  });

  it('is dead when its newest task was rejected (it will not come), created before it ever ran, exited when scaled to 0', () => {
    const rejected = [task('rejected', 'shutdown', '2026-01-01T00:00:05Z', { error: 'No such image: nope:1' })];
    expect(serviceView(rejected, 1)).toMatchObject({ state: 'dead', lastError: 'task rejected: No such image: nope:1' });
    expect(serviceView([], 0).state).toBe('created');
    expect(serviceView([task('shutdown', 'shutdown', '2026-01-01T00:00:05Z')], 0).state).toBe('exited');
  });
});

describe('describeChange', () => {
  it('names what changed, variables by name only', () => {
    const a = swarmServicePlan(model, 'db', stack())!.spec;
    const changed = structuredClone(model);
    changed.services['db']!['environment'] = { POSTGRES_PASSWORD: 'new-secret', FROM_ENV: null };
    changed.services['db']!['image'] = 'postgres:17';
    const text = describeChange(a, swarmServicePlan(changed, 'db', stack())!.spec);
    expect(text).toBe('image postgres:16 → postgres:17; environment POSTGRES_PASSWORD');
    expect(text).not.toContain('secret');
  });
});

describe('meshOf', () => {
  it('is told by STACK_SWARM_MESH, else found from IPVS on a local engine', () => {
    expect(meshOf({ STACK_SWARM_MESH: 'host' }, true, () => true)).toEqual({ mesh: false, detected: false });
    expect(meshOf({}, true, () => false)).toEqual({ mesh: false, detected: true });
    expect(meshOf({}, true, () => true)).toEqual({ mesh: true, detected: true });
    // A remote manager: its kernel cannot be seen from here; the mesh is assumed.
    expect(meshOf({}, false, () => false)).toEqual({ mesh: true, detected: true });
  });
});
