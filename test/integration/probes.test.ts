/**
 * Every probe type against a real server on the real engine: Redis, PostgreSQL and Prometheus are the real
 * thing; Qdrant and Grafana are STAND-INS (not obtainable here) serving the same endpoints. Each target is a
 * testcontainers GenericContainer from the local images, started with testcontainers' own wait strategies
 * (nothing is pulled; Ryuk is off, see vitest.config.ts). They carry compose's labels, so the probes reach
 * them through our real DockerRuntime (endpoint resolution, exec, HEALTHCHECK) exactly as under `stack up`.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStack } from '../../src/config/loader.js';
import { DEFAULTS } from '../../src/config/normalize.js';
import type { ProbeSpec, StackSpec } from '../../src/config/types.js';
import { systemClock } from '../../src/core/clock.js';
import { probeContext } from '../../src/engine/gate.js';
import { until } from '../support/until.js';
import { runProbe } from '../../src/probes/run-probe.js';
import { SETTLE_MS } from '../../src/probes/tcp-probe.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { containerOf, docker, purge } from '../support/docker.js';

const PROJECT = 'stack-test-probes';
const env = { PROBE_PG_PASSWORD: 'pr0be-secret', PROBE_REDIS_PASSWORD: 'r3dis-secret' };
let spec: StackSpec;
let runtime: DockerRuntime;
const started: StartedTestContainer[] = [];

const timing = { ...DEFAULTS.timing, timeoutMs: 2_000 };
const probe = (p: Record<string, unknown>): ProbeSpec => ({ timing, ...p }) as ProbeSpec;
const attempt = (service: string, p: ProbeSpec, envOverride: Record<string, string> = env) =>
  runProbe(p, probeContext({ ...spec, env: envOverride }, spec.services[service]!, runtime), systemClock);

/** A local image as a compose service of PROJECT, published on a random loopback port. */
const service = (name: string, image: string, ports: number[] = []) =>
  new GenericContainer(image)
    .withLabels({ 'com.docker.compose.project': PROJECT, 'com.docker.compose.service': name, 'com.docker.compose.oneoff': 'False' })
    .withExposedPorts(...ports)
    .withStartupTimeout(60_000);

beforeAll(async () => {
  spec = loadStack('test/fixtures/probes/stack.yaml', { env: { ...process.env, ...env } }).spec;
  runtime = new DockerRuntime({ name: PROJECT, files: spec.composeFiles, cwd: spec.dir, env: spec.env });
  const containers = [
    service('redis', 'local/stack-redis:1', [6379]).withWaitStrategy(Wait.forLogMessage('Ready to accept connections')),
    service('redis-auth', 'local/stack-redis:1', [6379])
      .withCommand(['redis-server', '--bind', '0.0.0.0', '--protected-mode', 'no', '--requirepass', env.PROBE_REDIS_PASSWORD])
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections')),
    service('postgres', 'local/stack-postgres:1', [5432])
      .withEnvironment({ POSTGRES_USER: 'app', POSTGRES_PASSWORD: env.PROBE_PG_PASSWORD, POSTGRES_DB: 'appdb' })
      .withWaitStrategy(Wait.forLogMessage('database system is ready to accept connections')),
    service('prometheus', 'local/stack-prometheus:1', [9090]).withWaitStrategy(Wait.forHttp('/-/ready', 9090)),
    service('qdrant', 'local/stack-qdrant-standin:1', [6333]).withWaitStrategy(Wait.forHttp('/readyz', 6333)),
    service('grafana', 'local/stack-grafana-standin:1', [3000]).withWaitStrategy(Wait.forHttp('/api/health', 3000)),
    service('grafana-db-down', 'local/stack-grafana-standin:1', [3000])
      .withEnvironment({ STANDIN_DATABASE: 'failing' })
      .withWaitStrategy(Wait.forHttp('/api/health', 3000).forStatusCode(503)),
    service('box', 'local/stack-base:1').withCommand(['sleep', 'infinity']).withWaitStrategy(Wait.forListeningPorts()),
    service('idle', 'local/stack-base:1', [9999]).withCommand(['sh', '-c', 'echo up; exec sleep infinity']).withWaitStrategy(Wait.forLogMessage('up')),
    service('checked', 'local/stack-base:1')
      .withCommand(['sleep', 'infinity'])
      .withHealthCheck({ test: ['CMD', 'true'], interval: 1_000, timeout: 1_000, retries: 3, startPeriod: 0 })
      .withWaitStrategy(Wait.forHealthCheck()),
  ];
  // All started ones are kept for afterAll even when one fails to start.
  const outcomes = await Promise.allSettled(containers.map((c) => c.start()));
  for (const o of outcomes) if (o.status === 'fulfilled') started.push(o.value);
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(started.map((c) => c.stop({ timeout: 1_000 })));
  purge(PROJECT); // by label, whatever testcontainers left
});

describe('redis probe (real Redis)', () => {
  it('passes PING and a SET/GET/DEL round trip', async () => {
    const r = await attempt('redis', probe({ type: 'redis', port: 6379 }));
    expect(r).toMatchObject({ ok: true, detail: 'PONG, SET/GET/DEL ok' });
  });
  it('authenticates with password_env, and fails with the server message when the password is wrong', async () => {
    const auth = probe({ type: 'redis', port: 6379, password_env: 'PROBE_REDIS_PASSWORD' });
    expect((await attempt('redis-auth', auth)).ok).toBe(true);
    const r = await attempt('redis-auth', auth, { PROBE_REDIS_PASSWORD: 'nope' });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/redis at 127\.0\.0\.1:\d+: .*(WRONGPASS|invalid username-password)/);
    const none = await attempt('redis-auth', probe({ type: 'redis', port: 6379 }));
    expect(none.error).toMatch(/NOAUTH/);
  });
  it('names a missing secret', async () => {
    const r = await attempt('redis', probe({ type: 'redis', port: 6379, password_env: 'NOT_SET_ANYWHERE' }), {});
    expect(r.error).toMatch(/NOT_SET_ANYWHERE is not set/);
  });
});

describe('postgres probe (real PostgreSQL)', () => {
  const pg = { type: 'postgres', port: 5432, user: 'app', database: 'appdb', password_env: 'PROBE_PG_PASSWORD' };
  it('connects and runs SELECT 1 and the probe query', async () => {
    const r = await attempt('postgres', probe({ ...pg, query: 'SELECT count(*) FROM pg_catalog.pg_tables' }));
    expect(r).toMatchObject({ ok: true, detail: 'SELECT 1 and the probe query ok' });
  });
  it('fails on a wrong password, naming user and database', async () => {
    const r = await attempt('postgres', probe(pg), { PROBE_PG_PASSWORD: 'wrong' });
    expect(r.error).toMatch(/user app, database appdb\): password authentication failed/);
    // Most often an old volume made with another password: the way out is in the message.
    expect(r.error).toContain('a data volume keeps the password it was created with');
  });
  it('fails when the probe query fails', async () => {
    const r = await attempt('postgres', probe({ ...pg, query: 'SELECT * FROM no_such_table' }));
    expect(r.error).toMatch(/relation "no_such_table" does not exist/);
  });
});

describe('prometheus probe (real Prometheus)', () => {
  it('passes on /-/ready', async () => {
    expect(await attempt('prometheus', probe({ type: 'prometheus', port: 9090 }))).toMatchObject({ ok: true });
  });
  it('an http probe with a JSON match against the real Prometheus API', async () => {
    const ok = await attempt('prometheus', probe({ type: 'http', port: 9090, path: '/api/v1/status/buildinfo', expect: { json: { status: 'success' } } }));
    expect(ok.ok).toBe(true);
    const bad = await attempt('prometheus', probe({ type: 'http', port: 9090, path: '/api/v1/status/buildinfo', expect: { json: { status: 'error' } } }));
    expect(bad.error).toMatch(/status is "success", expected "error"/);
    const status = await attempt('prometheus', probe({ type: 'http', port: 9090, path: '/nope', expect: { status: 200 } }));
    expect(status.error).toMatch(/answered 404, expected 200/);
  });
});

describe('qdrant and grafana probes (STAND-INS)', () => {
  it('qdrant: readiness, then collections through the official client', async () => {
    expect(await attempt('qdrant', probe({ type: 'qdrant', port: 6333 }))).toMatchObject({ ok: true, detail: 'ready, 0 collections' });
  });
  it('grafana: /api/health with database ok', async () => {
    expect(await attempt('grafana', probe({ type: 'grafana', port: 3000 }))).toMatchObject({ ok: true });
  });
  it('grafana: fails while its database is not ok', async () => {
    const r = await attempt('grafana-db-down', probe({ type: 'grafana', port: 3000 }));
    expect(r.error).toMatch(/answered 503 with database "failing", expected "ok"/);
  });
});

describe('exec, docker and tcp probes', () => {
  it('exec: exit 0 passes, anything else fails with the exit code and output', async () => {
    expect((await attempt('box', probe({ type: 'exec', command: ['true'] }))).ok).toBe(true);
    const r = await attempt('box', probe({ type: 'exec', command: 'echo not ready >&2; exit 3' }));
    expect(r.error).toMatch(/exited 3: not ready/);
  });
  it("docker: follows the container's HEALTHCHECK, and says when there is none", async () => {
    expect(await attempt('checked', probe({ type: 'docker' }))).toMatchObject({ ok: true, detail: 'HEALTHCHECK healthy' });
    expect((await attempt('box', probe({ type: 'docker' }))).error).toMatch(/no HEALTHCHECK/);
  });
  it('tcp: connects to the published port; an unpublished port is explained', async () => {
    expect((await attempt('redis', probe({ type: 'tcp', port: 6379 }))).ok).toBe(true);
    expect((await attempt('redis', probe({ type: 'tcp', port: 7777 }))).error).toMatch(/container port 7777 of redis is not published/);
  });
  it('tcp: a published port with nothing listening in the container fails, though the port proxy accepts the connection', async () => {
    const { host, port } = await runtime.endpoint('idle', 9999);
    const accepted = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port }, () => (s.destroy(), resolve(true))).once('error', () => resolve(false));
    });
    const r = await attempt('idle', probe({ type: 'tcp', port: 9999 }));
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/closed right after it was accepted: nothing listens behind the port/);
    // What this guards against: on an engine with docker-proxy the bare connect succeeds (where the engine
    // routes loopback without a proxy, the connect is refused and the probe fails with that instead).
    if (!accepted) expect(r.error).toMatch(/ECONNREFUSED/);
  });
});

describe('log probe (a container)', () => {
  it('passes once a line of the current run matches, and says what it has seen when none does', async () => {
    expect(await attempt('idle', probe({ type: 'log', pattern: '^up$' }))).toMatchObject({ ok: true, detail: 'log line matched: up' });
    const r = await attempt('idle', probe({ type: 'log', pattern: 'ready to serve' }));
    expect(r.error).toBe('no line of this run matches /ready to serve/ yet (1 line, last: up)');
  });
  it('after a restart reads only the new run, including a line written the instant it started', async () => {
    // Not testcontainers' restart: its log wait reads from the restart time and loses the same early line.
    docker('restart', '-t', '0', containerOf(PROJECT, 'idle'));
    // The new run's "up" is written before the engine records its start: it must still count, the old one must not.
    await until('the restarted container has written its line', async () => (await runtime.output('idle')).length > 0, 10_000);
    expect(await runtime.output('idle')).toEqual(['up']);
  });
});

describe('tcp probe against local servers', () => {
  const servers: net.Server[] = [];
  const serve = async (onConnection: (s: net.Socket) => void) => {
    const server = net.createServer((s) => (s.on('error', () => undefined), onConnection(s))); // the probe may reset
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  };
  const sockets: net.Socket[] = [];
  afterAll(() => {
    sockets.forEach((s) => s.destroy());
    servers.forEach((s) => s.close());
  });
  const tcp = (port: number) => runProbe(probe({ type: 'tcp', port, host: '127.0.0.1' }), probeContext(spec, spec.services['redis']!, runtime), systemClock);

  it('passes on a silent listener that keeps the connection open, after the settle time', async () => {
    const port = await serve((s) => sockets.push(s));
    const r = await tcp(port);
    expect(r).toMatchObject({ ok: true, detail: `connected to 127.0.0.1:${port}` });
    expect(r.latencyMs).toBeGreaterThanOrEqual(SETTLE_MS - 5);
  });
  it('passes at once when the service speaks first', async () => {
    const port = await serve((s) => (sockets.push(s), s.write('220 ready\r\n')));
    const r = await tcp(port);
    expect(r).toMatchObject({ ok: true, detail: `connected (the service spoke first) to 127.0.0.1:${port}` });
    expect(r.latencyMs).toBeLessThan(SETTLE_MS);
  });
  it('fails when the peer closes the connection as soon as it accepts it', async () => {
    const port = await serve((s) => s.end());
    expect((await tcp(port)).error).toMatch(/closed right after it was accepted/);
  });
  it('fails on a refused connection', async () => {
    const port = await serve(() => undefined);
    servers.pop()!.close();
    await new Promise((r) => setTimeout(r, 20));
    expect((await tcp(port)).error).toMatch(/ECONNREFUSED/);
  });
});

describe('a hanging server is cut by the probe timeout', () => {
  let hang: http.Server;
  let silent: net.Server;
  let hangPort: number;
  let silentPort: number;
  const sockets: net.Socket[] = [];
  beforeAll(async () => {
    hang = http.createServer(() => {}); // accepts, never answers
    silent = net.createServer((s) => sockets.push(s)); // accepts TCP, never speaks
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    hangPort = (hang.address() as AddressInfo).port;
    silentPort = (silent.address() as AddressInfo).port;
  });
  afterAll(() => {
    sockets.forEach((s) => s.destroy());
    hang.closeAllConnections();
    hang.close();
    silent.close();
  });
  it.each([
    ['http', () => ({ type: 'http', port: hangPort, host: '127.0.0.1' })],
    ['redis', () => ({ type: 'redis', port: silentPort, host: '127.0.0.1' })],
    ['postgres', () => ({ type: 'postgres', port: silentPort, host: '127.0.0.1' })],
    ['grafana', () => ({ type: 'grafana', port: hangPort, host: '127.0.0.1' })],
  ])('%s', async (_name, make) => {
    const p = { ...make(), timing: { ...timing, timeoutMs: 300 } } as ProbeSpec;
    const begin = Date.now();
    const r = await runProbe(p, probeContext(spec, spec.services['redis']!, runtime), systemClock);
    expect(r.ok).toBe(false);
    expect(r.error).toBe('no answer within the probe timeout (300ms)');
    expect(Date.now() - begin).toBeLessThan(1_500);
  });
});
