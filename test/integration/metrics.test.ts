/**
 * Observability on the real engine: a real Prometheus (the local image, host network, loopback only) scrapes
 * the supervisor's metrics, and the series move when a service is killed. The provisioned Grafana dashboard
 * only queries series the supervisor really serves.
 */
import { readFileSync, mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readToken } from '../../src/state/token.js';
import { containerOf, docker, purge, stack, testState } from '../support/docker.js';

const PROJECT = 'stack-test-metrics';
const FILE = 'test/fixtures/metrics/stack.yaml';
const PROM = 'stack-test-metrics-prometheus';
let metricsPort: number;
let promPort: number;
let env: Record<string, string>;
let token: string;
const state = testState(PROJECT);

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

async function query(expr: string): Promise<number | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
    const v = body.data.result[0]?.value[1];
    return v === undefined ? undefined : Number(v);
  } catch {
    return undefined;
  }
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  purge(PROJECT);
  try {
    docker('rm', '-f', PROM);
  } catch {
    // not there
  }
  metricsPort = await freePort();
  promPort = await freePort();
  env = { ...state.env, STACK_PROJECT_NAME: PROJECT, STACK_METRICS_ADDR: `127.0.0.1:${metricsPort}` };
  const up = await stack(['-f', FILE, 'up', '--detach'], env);
  expect(up.code, up.stderr).toBe(0);
  token = readToken(state.paths)!;
  // Prometheus scrapes with the stack's token, as a user's scrape config would (authorization.credentials_file).
  const dir = mkdtempSync(join(tmpdir(), 'prom-'));
  writeFileSync(join(dir, 'stack.token'), token);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: stack-supervisor\n    authorization: { credentials_file: /etc/prometheus/stack.token }\n    static_configs: [{ targets: ["127.0.0.1:${metricsPort}"] }]\n`,
  );
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'stack.token'), 0o644);
  docker(
    'run',
    '-d',
    '--name',
    PROM,
    '--network',
    'host',
    '-v',
    `${dir}:/etc/prometheus:ro`,
    'local/stack-prometheus:1',
    '--config.file=/etc/prometheus/prometheus.yml',
    `--web.listen-address=127.0.0.1:${promPort}`,
    '--storage.tsdb.path=/prometheus',
  );
});

afterAll(async () => {
  try {
    docker('rm', '-f', PROM);
  } catch {
    // already gone
  }
  await stack(['-f', FILE, 'down', '--volumes', '-t', '1'], env);
  purge(PROJECT);
  state.remove();
});

describe('supervisor metrics', () => {
  it('the real Prometheus scrapes them, and the series move when a service is killed', async () => {
    await until('first scrape', async () => (await query('stack_service_up{service="redis"}')) === 1);
    expect(await query('sum(stack_service_restarts_total{service="redis"})')).toBe(0);
    expect(await query('stack_engine_connected')).toBe(1);
    expect(await query('stack_service_time_to_ready_seconds{service="redis"}')).toBeGreaterThan(0);

    docker('kill', '-s', 'KILL', containerOf(PROJECT, 'redis'));
    await until('restart counted', async () => (await query('sum(stack_service_restarts_total{service="redis"})')) === 1, 30_000);
    await until('up again', async () => (await query('stack_service_up{service="redis"}')) === 1, 30_000);
    expect(await query('stack_service_restarts_total{service="redis", why="heal"}')).toBe(1);
    expect(await query('sum(stack_probe_duration_seconds_count{service="redis", result="ok"})')).toBeGreaterThan(0);
  });

  it('the Grafana dashboard only queries series the supervisor serves, from the provisioned data source', async () => {
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(401); // no token, no metrics
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    const served = new Set([...text.matchAll(/^(stack_\w+?)(?:\{| )/gm)].map((m) => m[1]!));
    const dashboard = JSON.parse(readFileSync('compose/grafana/dashboards/stack.json', 'utf8')) as {
      panels: { targets: { expr: string; datasource: { uid: string } }[] }[];
    };
    const datasources = readFileSync('compose/grafana/provisioning/datasources/prometheus.yml', 'utf8');
    for (const p of dashboard.panels) {
      for (const t of p.targets) {
        expect(datasources).toContain(`uid: ${t.datasource.uid}`);
        const used = [...t.expr.matchAll(/\b(stack_\w+)/g)].map((m) => m[1]!);
        expect(used.length).toBeGreaterThan(0);
        for (const m of used) expect(served, `${m} in "${t.expr}"`).toContain(m);
      }
    }
  });

  it("status and up on a supervised stack take the supervisor's live state, without touching the engine themselves", async () => {
    // An engine address that answers nothing: only the supervisor (with its own, working one) can answer.
    const blind = { ...env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
    const st = await stack(['-f', FILE, 'status', '--json'], blind);
    expect(st.code, st.stderr).toBe(0);
    const doc = JSON.parse(st.stdout) as { healthFrom: string; services: { name: string; state: string; health: string; ports: unknown[] }[] };
    expect(doc.healthFrom).toBe('supervisor');
    expect(doc.services.map((x) => [x.name, x.state, x.health])).toEqual([['redis', 'running', 'healthy']]);
    expect(doc.services[0]!.ports).toHaveLength(1); // the supervisor's container list, not a guess
    const up = await stack(['-f', FILE, 'up'], blind);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/joined: .* all 1 services healthy \(the supervisor's live state\)/);

    // Another stack.yaml for the same project (here: one more comment) is not what the supervisor runs: probe here.
    const edited = join(dirname(FILE), `.edited-${process.pid}.yaml`);
    writeFileSync(edited, `${readFileSync(FILE, 'utf8')}\n# edited\n`);
    try {
      const probed = await stack(['-f', edited, 'status', '--json'], env);
      expect(probed.code, probed.stderr).toBe(0);
      expect((JSON.parse(probed.stdout) as { healthFrom: string }).healthFrom).toBe('probe');
    } finally {
      rmSync(edited, { force: true });
    }
  });

  it('stack status names the metrics address', async () => {
    const r = await stack(['-f', FILE, 'status'], env);
    expect(r.stdout).toContain(`metrics: http://127.0.0.1:${metricsPort}/metrics`);
  });
});
