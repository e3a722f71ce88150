/**
 * The dashboard: the state-to-view mapping (pure), and its routes on the supervisor's real loopback
 * endpoint — the page and its feeds take the token in the URL, anything that acts needs it in a header, the
 * page may run only its own script, the live feed sends the view and every event, a service's log streams.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceStatus } from '../../src/engine/status.js';
import { edgesOf, nodeState, serviceView, type LiveView } from '../../src/report/dashboard/view.js';
import { DashboardHub } from '../../src/session/dashboard.js';
import { startControlServer, type ControlTarget, type Listener } from '../../src/session/endpoints.js';
import { opener } from '../../src/cli/commands/dashboard.js';
import { cli } from '../support/cli.js';
import { miniSpec } from '../support/spec.js';

const status = (over: Partial<ServiceStatus> = {}): ServiceStatus => ({
  name: 'db',
  state: 'running',
  health: 'healthy',
  restarts: 0,
  ports: [],
  lastProbe: { ok: true, latencyMs: 3, at: '2026-01-01T00:00:00.000Z', error: null },
  ...over,
});
const live = (over: Partial<LiveView> = {}): LiveView => ({ state: 'healthy', restarts: 0, breaker: 'closed', ...over });

describe('nodeState', () => {
  it.each([
    ['healthy', status(), live(), false],
    ['failed', status(), live({ state: 'failed', breaker: 'open', lastFailure: { reason: 'exited with code 1', at: '' } }), false],
    ['restarting', status({ state: 'exited' }), live({ state: 'restarting' }), false],
    ['restarting', status({ state: 'restarting' }), undefined, false],
    ['unhealthy', status({ health: 'unhealthy', lastProbe: { ok: false, latencyMs: 2, at: '', error: 'connection refused' } }), undefined, false],
    ['unhealthy', status(), live({ state: 'degraded' }), false],
    ['unhealthy', status({ state: 'paused' }), undefined, false],
    ['stopped', status({ state: 'exited', health: 'unknown' }), undefined, false],
    ['stopped', status({ state: 'absent', health: 'unknown' }), undefined, false],
    ['stopped', status(), live({ state: 'stopped' }), false],
    ['completed', status({ state: 'exited', health: 'completed' }), undefined, true],
    ['starting', status({ health: 'unknown', lastProbe: null }), undefined, false],
  ] as const)('%s', (expected, s, l, job) => {
    expect(nodeState(s, l, job).state).toBe(expected);
  });

  it('says why: the breaker with the last failure, the probe error', () => {
    expect(nodeState(status(), live({ breaker: 'open', state: 'failed', lastFailure: { reason: 'exited with code 3', at: '' } }), false).why).toBe(
      'breaker open: exited with code 3',
    );
    expect(nodeState(status({ health: 'unhealthy', lastProbe: { ok: false, latencyMs: 1, at: '', error: 'PING timed out' } }), undefined, false).why).toBe(
      'PING timed out',
    );
  });
});

describe('serviceView and edgesOf', () => {
  const spec = miniSpec({ db: {}, api: { deps: ['db'] } });
  it('links a port whose probe speaks HTTP, and counts the larger of the two restart counts', () => {
    const http = {
      ...spec,
      services: { ...spec.services, api: { ...spec.services['api']!, probe: { ...spec.services['api']!.probe!, type: 'http' as const, port: 8080 } } },
    };
    const v = serviceView(
      http as typeof spec,
      status({ name: 'api', restarts: 1, ports: [{ container: 8080, host: 32768, hostIp: '' }] }),
      live({ restarts: 3 }),
    );
    expect(v.ports).toEqual([{ container: 8080, host: 32768, url: 'http://127.0.0.1:32768' }]);
    expect(v.restarts).toBe(3);
    // A tcp probe's port is not a link.
    expect(serviceView(spec, status({ ports: [{ container: 1, host: 40000, hostIp: '' }] }), undefined).ports).toEqual([{ container: 1, host: 40000 }]);
  });
  it('gives each dependency as an edge with its condition', () => {
    expect(edgesOf(spec)).toEqual([{ from: 'db', to: 'api', condition: 'healthy', restart: false }]);
  });
});

describe('the dashboard routes', () => {
  const TOKEN = 'b'.repeat(64);
  const restarts: string[][] = [];
  const view = { stack: 'p', services: [], edges: [], at: 'now' };
  const hub = new DashboardHub(async () => view);
  const target: ControlTarget = {
    snapshot: () => [],
    restart: async (names) => (restarts.push([...names]), names.map((service) => ({ service, ok: true }))),
    status: async () => ({ specDigest: '', status: { project: 'p', services: [] } }),
    dashboard: async () => view,
    followLogs: async (service, out) => {
      out.write(`first line of ${service}\nsecond `);
      out.write('line\n');
    },
  };
  let server: Listener;
  beforeAll(async () => {
    server = await startControlServer({ token: () => TOKEN, target: () => target, metrics: async () => '', dashboard: { stack: 'p', hub } });
  });
  afterAll(async () => {
    hub.close();
    await server.close();
  });
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

  it('serves the page with the token in its URL, its assets under a policy that runs only its own script', async () => {
    const r = await fetch(url(`/dashboard?token=${TOKEN}`));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await r.text();
    expect(html).toContain(`/dashboard/app.js?token=${TOKEN}`);
    expect((await fetch(url(`/dashboard/dagre.js?token=${TOKEN}`))).status).toBe(200);
    expect(await (await fetch(url(`/dashboard/app.js?token=${TOKEN}`))).text()).toContain('EventSource');
  });

  it('refuses every route without the token (401) or with a wrong one', async () => {
    for (const path of ['/dashboard', '/dashboard/app.js', '/api/events', '/api/state', '/api/logs?service=db'])
      expect((await fetch(url(path))).status, path).toBe(401);
    expect((await fetch(url(`/dashboard?token=${'c'.repeat(64)}`))).status).toBe(401);
  });

  it('does not act on a token in the URL: a restart needs the Authorization header', async () => {
    const r = await fetch(url(`/restart?token=${TOKEN}`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"services":["db"]}' });
    expect(r.status).toBe(401);
    expect(restarts).toEqual([]);
  });

  it('streams the view, then every event, over Server-Sent Events', async () => {
    const abort = new AbortController();
    const r = await fetch(url(`/api/events?token=${TOKEN}`), { signal: abort.signal });
    expect(r.headers.get('content-type')).toContain('text/event-stream');
    const reader = r.body!.getReader();
    let text = '';
    const read = async (until: string) => {
      while (!text.includes(until)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await read('event: view');
    hub.onEvent({ type: 'restart', at: 0, service: 'db', attempt: 1, why: 'manual' });
    await read('"why":"manual"');
    expect(text).toMatch(/event: event\ndata: \{"type":"restart"/);
    abort.abort();
  });

  it('sends the view again when it changed without any event (a state set after the last event), and only then', async () => {
    const states = { now: 'restarting' };
    const quiet = new DashboardHub(async () => ({
      stack: 'p',
      services: [{ name: 'db', state: states.now }] as never,
      edges: [],
      at: new Date().toISOString(),
    }));
    const s2 = await startControlServer({ token: () => TOKEN, target: () => target, metrics: async () => '', dashboard: { stack: 'p', hub: quiet } });
    const abort = new AbortController();
    try {
      const r = await fetch(`http://127.0.0.1:${s2.port}/api/events?token=${TOKEN}`, { signal: abort.signal });
      const reader = r.body!.getReader();
      let text = '';
      const read = async (until: () => boolean) => {
        while (!until()) text += new TextDecoder().decode((await reader.read()).value);
      };
      await read(() => text.includes('"restarting"'));
      states.now = 'healthy';
      await read(() => text.includes('"healthy"'));
      // Two more refreshes: nothing changed, so nothing more is sent (whatever arrives in 2.2 s is read).
      const until = Date.now() + 2_200;
      while (Date.now() < until) {
        const chunk = await Promise.race([reader.read(), new Promise<undefined>((res) => setTimeout(res, until - Date.now()))]);
        if (chunk?.value) text += new TextDecoder().decode(chunk.value);
      }
      expect(text.match(/event: view/g)).toHaveLength(2);
    } finally {
      abort.abort();
      quiet.close();
      await s2.close();
    }
  });

  it("streams a service's log line by line", async () => {
    const r = await fetch(url(`/api/logs?service=db&token=${TOKEN}`));
    const text = await r.text();
    expect(text).toContain('event: log\ndata: "first line of db"');
    expect(text).toContain('event: log\ndata: "second line"');
  });
});

describe('stack dashboard', () => {
  it('without a supervisor: says how to start one, exit 2 (there is no dashboard without one)', async () => {
    const r = await cli(['-f', 'test/fixtures/tiny/stack.yaml', 'dashboard', '--no-open']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no supervisor runs');
    expect(r.stderr).toContain('stack up --detach');
    expect(r.stdout).toBe('');
  });

  it('opens a browser only where there is a display, and never in CI', () => {
    expect(opener('linux', { DISPLAY: ':0' })).toEqual(['xdg-open']);
    expect(opener('linux', {})).toBeUndefined();
    expect(opener('linux', { WAYLAND_DISPLAY: 'wayland-0', CI: 'true' })).toBeUndefined();
    expect(opener('darwin', {})).toEqual(['open']);
  });
});
