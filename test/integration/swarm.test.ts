/**
 * The swarm target on a real single-node swarm (the test engine, put into swarm mode for this file and left
 * as it was found): the project's six services from nothing to all healthy as swarm services, gated in
 * order; their published ports in `status` and `env`; a killed task replaced by swarm itself while the
 * supervisor restarts its dependents; keys swarm cannot honour refused up front; `down` leaves no service,
 * network or config and keeps the volumes. Qdrant and Grafana are the named STAND-INS (local images).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, EXIT_WOULD_CHANGE } from '../../src/cli/exit-codes.js';
import { docker, RANDOM_PORTS, stack, testState } from '../support/docker.js';
import { until } from '../support/until.js';

const PROJECT = 'stack-test-swarm';
const state = testState(PROJECT);
const dir = mkdtempSync(join(tmpdir(), 'stack-swarm-'));
const FILE = join(dir, 'stack.yaml');
const compose = (f: string) => resolve('compose', f);
const env = {
  ...state.env,
  STACK_PROJECT_NAME: PROJECT,
  STACK_METRICS_ADDR: '',
  POSTGRES_USER: 'stack',
  POSTGRES_PASSWORD: 'test-only-password',
  POSTGRES_DB: 'stack',
  ...RANDOM_PORTS,
};
const SIX = ['grafana', 'postgres', 'prometheus', 'qdrant', 'rag-server', 'redis'];
const label = `label=com.docker.stack.namespace=${PROJECT}`;
const services = () => docker('service', 'ls', '--filter', label, '--format', '{{.Name}} {{.Replicas}}').split('\n').filter(Boolean).sort();
const networks = () => docker('network', 'ls', '--filter', label, '--format', '{{.Name}}').split('\n').filter(Boolean);
const volumes = () => docker('volume', 'ls', '--filter', label, '--format', '{{.Name}}').split('\n').filter(Boolean);
const taskContainerOf = (ns: string, service: string) => docker('ps', '-q', '--filter', `label=com.docker.swarm.service.name=${ns}_${service}`);
const taskContainer = (service: string) => taskContainerOf(PROJECT, service);
const forceUpdatesOf = (ns: string, service: string) => Number(docker('service', 'inspect', '-f', '{{.Spec.TaskTemplate.ForceUpdate}}', `${ns}_${service}`));
const forceUpdates = (service: string) => forceUpdatesOf(PROJECT, service);

/** The project's six services and probes, with redis's dependents restarted when it recovers. */
writeFileSync(
  FILE,
  `version: 1
name: ${PROJECT}
target: swarm
compose: { files: [${compose('docker-compose.yml')}, ${compose('docker-compose.local.yml')}] }
defaults: { startup_timeout: 60s, probe: { interval: 250ms, timeout: 2s }, heal: { liveness: { interval: 500ms } } }
services:
  qdrant: { probe: { type: qdrant, port: 6333 } }
  redis: { probe: { type: redis, port: 6379 }, heal: { restart_dependents: true } }
  postgres: { probe: { type: postgres, port: 5432, user_env: POSTGRES_USER, password_env: POSTGRES_PASSWORD, database_env: POSTGRES_DB } }
  prometheus: { probe: { type: prometheus, port: 9090 } }
  grafana: { depends_on: [prometheus], probe: { type: grafana, port: 3000 } }
  rag-server:
    depends_on: [qdrant, redis, prometheus]
    probe: { type: http, port: 8080, path: /health, expect: { status: 200, json: { status: ok } } }
`,
);

let leaveSwarm = false;

function removeLeftovers(): void {
  for (const s of docker('service', 'ls', '-q', '--filter', label).split('\n').filter(Boolean)) docker('service', 'rm', s);
  for (const n of networks()) docker('network', 'rm', n);
}

beforeAll(() => {
  // Swarm mode on the shared engine, only for this file: left as found (a swarm already there is kept).
  if (docker('info', '--format', '{{.Swarm.LocalNodeState}}') !== 'active') {
    docker('swarm', 'init', '--advertise-addr', '127.0.0.1');
    leaveSwarm = true;
  }
  removeLeftovers();
});

afterAll(async () => {
  await stack(['-f', FILE, 'down', '-t', '1'], env);
  removeLeftovers();
  // A volume is free once its task's container is gone, a moment after its service.
  await until(
    'the volumes removed',
    () => {
      for (const v of volumes()) spawnSync('docker', ['volume', 'rm', '-f', v]);
      return volumes().length === 0;
    },
    30_000,
  ).catch(() => undefined);
  if (leaveSwarm) docker('swarm', 'leave', '--force');
  state.remove();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('stack up --target swarm', () => {
  it('brings the six services from nothing to all healthy as swarm services, gated in order', async () => {
    expect(services()).toEqual([]);
    const r = await stack(['-f', FILE, 'up', '--json'], env);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const doc = JSON.parse(r.stdout);
    expect(doc.waves).toEqual([
      ['postgres', 'prometheus', 'qdrant', 'redis'],
      ['grafana', 'rag-server'],
    ]);
    for (const s of doc.services) expect(s).toMatchObject({ state: 'healthy' });
    expect(doc.created.map((c: { service: string; via: string; action: string }) => [c.service, c.via, c.action]).sort()).toEqual(
      SIX.map((s) => [s, 'swarm', 'created']),
    );
    // What docker itself sees: one swarm service per compose service, every replica running, in the stack's namespace.
    expect(services()).toEqual(SIX.map((s) => `${PROJECT}_${s} 1/1`));
    expect(docker('stack', 'services', PROJECT, '--format', '{{.Name}}').split('\n').sort()).toEqual(SIX.map((s) => `${PROJECT}_${s}`));
    // Gated in order: rag-server's task was created only after redis, qdrant and prometheus passed their gates.
    const records = state.records();
    const at = (service: string, st: string) => records.find((e) => e.type === 'service' && e.service === service && e.state === st)?.ts ?? '';
    for (const dep of ['qdrant', 'redis', 'prometheus']) expect(at(dep, 'healthy') <= at('rag-server', 'starting'), dep).toBe(true);
    const created = (s: string) => docker('service', 'ps', `${PROJECT}_${s}`, '--format', '{{.ID}}').split('\n')[0]!;
    const taskCreated = (s: string) => docker('inspect', '-f', '{{.CreatedAt}}', created(s));
    expect(new Date(taskCreated('rag-server')).getTime()).toBeGreaterThanOrEqual(new Date(at('redis', 'healthy')).getTime() - 1000);
    console.log(`[measure] swarm up from nothing: ${r.ms} ms (engine ${doc.durationMs} ms)`);
  });

  it('status and env show the published ports, and a second up changes nothing', async () => {
    const st = await stack(['-f', FILE, 'status', '--json'], env);
    expect(st.code, st.stderr).toBe(EXIT.OK);
    const rows = JSON.parse(st.stdout).services as { name: string; state: string; health: string; ports: { host: number; container: number }[] }[];
    expect(rows.map((s) => [s.name, s.state, s.health])).toEqual(SIX.map((s) => [s, 'running', 'healthy']));
    const redis = rows.find((s) => s.name === 'redis')!;
    expect(redis.ports[0]).toMatchObject({ container: 6379, host: expect.any(Number) });
    const e = await stack(['-f', FILE, 'env'], env);
    expect(e.code, e.stderr).toBe(EXIT.OK);
    expect(e.stdout).toContain(`REDIS_PORT=${redis.ports[0]!.host}\n`);
    // The port answers: the Redis probe through it passed in status; here the raw TCP port is open too.
    const again = await stack(['-f', FILE, 'up', '--json'], env);
    expect(again.code).toBe(EXIT.OK);
    expect(JSON.parse(again.stdout).services.every((s: { unchanged?: boolean }) => s.unchanged)).toBe(true);
    const diff = await stack(['-f', FILE, 'diff'], env);
    expect(diff.code, diff.stdout).toBe(EXIT.OK);
  });

  it('a killed task: swarm replaces it by itself; the supervisor gates it and restarts its dependents in order', async () => {
    const d = await stack(['-f', FILE, 'up', '--detach'], env);
    expect(d.code, d.stdout + d.stderr).toBe(EXIT.OK);
    const redisBefore = taskContainer('redis');
    const ragBefore = taskContainer('rag-server');
    const from = state.records().length;
    docker('kill', redisBefore);
    const recovered = await until(
      'redis recovered and rag-server restarted',
      () => {
        const recs = state.records().slice(from);
        const redis = recs.find((e) => e.type === 'recovered' && e.service === 'redis');
        const rag = recs.find((e) => e.type === 'service' && e.service === 'rag-server' && e.state === 'healthy');
        return redis && rag ? recs : undefined;
      },
      60_000,
    );
    expect(recovered.some((e) => e.type === 'restart' && e.service === 'rag-server' && e.why === 'dependency')).toBe(true);
    // Swarm restarted redis's task itself (no forced update of redis); rag-server was restarted by a forced update.
    expect(taskContainer('redis')).not.toBe(redisBefore);
    expect(taskContainer('redis')).not.toBe('');
    expect(forceUpdates('redis')).toBe(0);
    expect(forceUpdates('rag-server')).toBe(1);
    expect(taskContainer('rag-server')).not.toBe(ragBefore);
    const st = JSON.parse((await stack(['-f', FILE, 'status', '--json'], env)).stdout);
    expect(st.services.find((s: { name: string }) => s.name === 'redis')).toMatchObject({ state: 'running', health: 'healthy' });
  });

  it('down removes every service and network of the stack, keeps its volumes, and stops the supervisor', async () => {
    const r = await stack(['-f', FILE, 'down', '-t', '1'], env);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(services()).toEqual([]);
    expect(networks()).toEqual([]);
    expect(docker('config', 'ls', '--filter', label, '-q')).toBe('');
    expect(volumes().sort()).toEqual(['grafana-data', 'postgres-data', 'qdrant-data', 'redis-data'].map((v) => `${PROJECT}_${v}`));
  });

  it('down --volumes from a running stack removes the volumes too (once swarm has removed the task containers)', async () => {
    const up = await stack(['-f', FILE, 'up', 'redis'], env);
    expect(up.code, up.stderr).toBe(EXIT.OK);
    const r = await stack(['-f', FILE, 'down', '--volumes', '-t', '1'], env);
    expect(r.code, r.stdout + r.stderr).toBe(EXIT.OK);
    expect(services()).toEqual([]);
    expect(volumes()).toEqual([]);
  });
});

describe('a running swarm stack that changes', () => {
  const SMALL = `${PROJECT}-small`;
  const small = join(dir, 'small');
  const smallEnv = { ...env, STACK_PROJECT_NAME: SMALL };
  const file = join(small, 'stack.yaml');
  // busybox httpd ignores SIGTERM as PID 1: SIGKILL stops it at once.
  const httpd = (more = '') => `{ image: local/stack-tiny:1, command: ["httpd", "-f", "-p", "8080", "-h", "/"], ports: ["8080"], stop_signal: SIGKILL${more} }`;
  const write = (store: string, flaky = '') => {
    writeFileSync(join(small, 'compose.yml'), `services:\n  store: ${store}\n  api: ${httpd()}\n${flaky}`);
  };
  const spec = (service: string, field: string) =>
    docker('service', 'inspect', '-f', `{{json .Spec.TaskTemplate.ContainerSpec.${field}}}`, `${SMALL}_${service}`);

  beforeAll(async () => {
    mkdirSync(small, { recursive: true });
    writeFileSync(
      file,
      [
        'version: 1',
        `name: ${SMALL}`,
        'target: swarm',
        'compose: { files: [compose.yml] }',
        'defaults: { probe: { interval: 100ms, timeout: 1s }, startup_timeout: 15s }',
        'services:',
        '  store: { probe: { type: tcp, port: 8080 } }',
        '  api: { depends_on: [store], probe: { type: tcp, port: 8080 } }',
        '',
      ].join('\n'),
    );
    write(httpd(', environment: { MODE: "one" }'));
    const r = await stack(['-f', file, 'up'], smallEnv);
    expect(r.code, r.stdout + r.stderr).toBe(EXIT.OK);
  });
  afterAll(async () => {
    await stack(['-f', file, 'down', '-t', '1'], smallEnv);
  });

  it('diff names what changed (variables by name) and up updates only that service', async () => {
    const api = taskContainerOf(SMALL, 'api');
    write(httpd(', environment: { MODE: "two-secret-value" }'));
    const diff = await stack(['-f', file, 'diff'], smallEnv);
    expect(diff.code).toBe(EXIT_WOULD_CHANGE);
    expect(diff.stdout).toMatch(/recreate\s+store\s+environment MODE/);
    expect(diff.stdout).not.toContain('two-secret-value');
    const r = await stack(['-f', file, 'up'], smallEnv);
    expect(r.code, r.stdout + r.stderr).toBe(EXIT.OK);
    expect(spec('store', 'Env')).toBe('["MODE=two-secret-value"]');
    expect(taskContainerOf(SMALL, 'api')).toBe(api); // untouched
  });

  it('a new definition that fails its gate is rolled back to the previous spec, running again', async () => {
    // An executable that is not in the image: swarm rejects every task of it.
    write(httpd(', environment: { MODE: "three" }, entrypoint: ["/no/such/program"]'));
    const r = await stack(['-f', file, 'up'], smallEnv);
    expect(r.code).toBe(EXIT.GATE_FAILED);
    expect(r.stdout + r.stderr).toContain('rolled back');
    expect(spec('store', 'Env')).toBe('["MODE=two-secret-value"]');
    expect(spec('store', 'Command')).toBe('null');
    await until(
      'store running its previous spec again',
      () => docker('service', 'ls', '--filter', `name=${SMALL}_store`, '--format', '{{.Replicas}}') === '1/1',
      30_000,
    );
    write(httpd(', environment: { MODE: "two-secret-value" }'));
  });

  it('a crash loop: swarm restarts the task each time, the breaker stops it (scaled to 0) instead of letting swarm thrash', async () => {
    // Serves for a second, then exits 1: healthy at first, then crashing over and over.
    write(
      httpd(', environment: { MODE: "two-secret-value" }'),
      '  flaky: { image: local/stack-tiny:1, entrypoint: ["busybox", "sh", "-c", "busybox httpd -p 8080 -h / && busybox sleep 1 && exit 1"], ports: ["8080"], stop_signal: SIGKILL, deploy: { restart_policy: { delay: 200ms } } }\n',
    );
    writeFileSync(
      file,
      readFileSync(file, 'utf8') +
        '  flaky: { probe: { type: tcp, port: 8080 }, heal: { backoff: { initial: 100ms, jitter: 0 }, max_restarts: 2, window: 1m } }\n',
    );
    const r = await stack(['-f', file, 'up', '--detach'], smallEnv);
    expect(r.code, r.stdout + r.stderr).toBe(EXIT.OK);
    await until('the breaker of flaky open', () => state.records().some((e) => e.type === 'breaker' && e.service === 'flaky' && e.open), 60_000);
    await until('flaky scaled to 0', () => docker('service', 'inspect', '-f', '{{.Spec.Mode.Replicated.Replicas}}', `${SMALL}_flaky`) === '0', 30_000);
    // Its restarts came from swarm (no forced update of flaky), counted by the supervisor.
    expect(forceUpdatesOf(SMALL, 'flaky')).toBe(0);
    expect(state.records().filter((e) => e.type === 'restart' && e.service === 'flaky').length).toBeGreaterThanOrEqual(2);
  });
});

describe('what swarm cannot honour', () => {
  beforeAll(() => {
    writeFileSync(
      join(dir, 'bad.compose.yml'),
      'services:\n  box: { image: local/stack-tiny:1, privileged: true, network_mode: host, command: ["sleep", "60"] }\n',
    );
    writeFileSync(join(dir, 'bad.yaml'), `version: 1\nname: ${PROJECT}-bad\ntarget: swarm\ncompose: { files: [bad.compose.yml] }\nservices:\n  box: {}\n`);
  });

  it('is refused before anything is created, every key with its fix (up and doctor)', async () => {
    const r = await stack(['-f', join(dir, 'bad.yaml'), 'up'], env);
    expect(r.code).toBe(EXIT.USAGE);
    const out = r.stdout + r.stderr;
    expect(out).toContain('services.box.privileged');
    expect(out).toContain('use cap_add');
    expect(out).toContain('services.box.network_mode');
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
    expect(docker('service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${PROJECT}-bad`)).toBe('');
    const doctor = await stack(['-f', join(dir, 'bad.yaml'), 'doctor', '--json'], env);
    expect(doctor.code).toBe(EXIT.USAGE);
    expect(JSON.parse(doctor.stdout).problems.map((p: { key: string }) => p.key)).toEqual(
      expect.arrayContaining(['services.box.privileged', 'services.box.network_mode']),
    );
  });

  it('an unknown target is a configuration error naming where it came from', async () => {
    const r = await stack(['-f', FILE, '--target', 'kubernetes', 'status'], env);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain('target "kubernetes" (from --target) is not one of compose, swarm');
  });
});
