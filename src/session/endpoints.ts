/**
 * The supervisor's endpoints. The control endpoint (127.0.0.1, a random port written to owner.json) serves
 * `GET /status`, `POST /restart` and `GET /metrics`; the optional metrics listener (`supervisor.metrics`)
 * serves only `/metrics`. Every request must carry the stack's token (`Authorization: Bearer`, from the
 * 0600 token file). The control endpoint also answers only to a loopback Host (a web page that rebinds its
 * own name to 127.0.0.1 gets 403) and takes only `application/json` bodies, which a cross-origin page cannot
 * send without a preflight that nothing here answers. Both are bound before the stack is brought up, so a
 * taken port fails `up` at once.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { DASHBOARD_JS, dashboardHtml } from '../report/dashboard/page.js';
import { streamLogLines, type DashboardHub, type DashboardState } from './dashboard.js';
import { StackError } from '../core/errors.js';
import type { RestartResult } from '../engine/restart.js';
import type { StackStatus } from '../engine/status.js';
import type { ServiceHealth } from '../healing/supervisor.js';
import { bearerMatches } from '../state/token.js';

/** What the control endpoint exposes of a running supervisor. */
export interface ControlTarget {
  snapshot(): ServiceHealth[];
  /** `status` from the supervisor's live state, and the digest of the stack.yaml it runs (see cli status). */
  status(): Promise<{ specDigest: string; status: StackStatus }>;
  restart(names: readonly string[], withDependents: boolean): Promise<RestartResult[]>;
  /** The dashboard's view of the stack now. */
  dashboard(): Promise<DashboardState>;
  /** Writes a service's log (its last lines, then as written) to `out` until `signal` aborts; throws for an unknown service. */
  followLogs(service: string, out: NodeJS.WritableStream, signal: AbortSignal): Promise<void>;
}

/** The dashboard's assets and live feed (session/dashboard.ts, report/dashboard/page.ts). */
export interface DashboardAssets {
  stack: string;
  hub: DashboardHub;
}

export interface Listener {
  port: number;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];
const MAX_BODY = 64 * 1024;

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * The checks every request passes first; false when it was answered with an error. A GET may carry the token
 * as `?token=` (the dashboard's URL, its assets and its event streams: a browser cannot add a header to
 * those); anything that changes something needs the Authorization header, which a page on another origin
 * cannot send without a CORS preflight that is never answered.
 */
function admitted(req: http.IncomingMessage, res: http.ServerResponse, token: () => string, loopbackOnly: number | undefined): boolean {
  if (loopbackOnly !== undefined && !LOOPBACK_HOSTS.map((h) => `${h}:${loopbackOnly}`).includes((req.headers.host ?? '').toLowerCase())) {
    send(res, 403, { error: 'this endpoint answers only to a loopback Host header' });
    return false;
  }
  const queryToken = req.method === 'GET' ? new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') : null;
  if (!bearerMatches(req.headers.authorization, token()) && !(queryToken !== null && bearerMatches(`Bearer ${queryToken}`, token()))) {
    send(res, 401, { error: "missing or wrong token: send `Authorization: Bearer <token>` with the stack's token file" });
    return false;
  }
  return true;
}

async function bind(server: http.Server, host: string, port: number, what: string, fix: string): Promise<Listener> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new StackError('START_FAILED', `the supervisor cannot serve ${what} on ${host}:${port}: ${err.code ?? err.message}`, fix)),
    );
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The page may load only its own script and talk only to this endpoint; nothing may frame it. */
const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

let dagreBundle: string | undefined;
function dagreJs(): string {
  dagreBundle ??= readFileSync(createRequire(import.meta.url).resolve('@dagrejs/dagre/dist/dagre.min.js'), 'utf8');
  return dagreBundle;
}

/** The dashboard's routes (GET only); false when the route is not one of them. */
function dashboardRoute(
  route: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  dashboard: DashboardAssets,
  token: string,
  target: () => ControlTarget | undefined,
): boolean {
  const asset = (type: string, body: string) => res.writeHead(200, { ...PAGE_HEADERS, 'content-type': type }).end(body);
  if (route === 'GET /' || route === 'GET /dashboard') return (asset('text/html; charset=utf-8', dashboardHtml(dashboard.stack, token)), true);
  if (route === 'GET /dashboard/app.js') return (asset('text/javascript; charset=utf-8', DASHBOARD_JS), true);
  if (route === 'GET /dashboard/dagre.js') return (asset('text/javascript; charset=utf-8', dagreJs()), true);
  if (route === 'GET /api/events') return (void dashboard.hub.attach(req, res), true);
  if (route !== 'GET /api/state' && route !== 'GET /api/logs') return false;
  const t = target();
  if (!t) return (send(res, 503, { error: 'the supervisor is still bringing the stack up' }), true);
  if (route === 'GET /api/state')
    return (
      void t.dashboard().then(
        (view) => send(res, 200, view),
        (err: unknown) => send(res, 503, { error: err instanceof Error ? err.message : String(err) }),
      ),
      true
    );
  const service = new URL(req.url ?? '/', 'http://localhost').searchParams.get('service') ?? '';
  return (void streamLogLines(req, res, (out, signal) => t.followLogs(service, out, signal)), true);
}

export async function startControlServer(options: {
  token: () => string;
  target: () => ControlTarget | undefined;
  metrics: () => Promise<string>;
  dashboard?: DashboardAssets;
}): Promise<Listener> {
  let port = 0;
  const server = http.createServer((req, res) => {
    if (!admitted(req, res, options.token, port)) return;
    const route = `${req.method} ${req.url?.split('?')[0]}`;
    if (route === 'GET /metrics') return void options.metrics().then((text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text));
    if (options.dashboard && dashboardRoute(route, req, res, options.dashboard, options.token(), options.target)) return;
    const target = options.target();
    if (!target) return send(res, 503, { error: 'the supervisor is still bringing the stack up' });
    if (route === 'GET /status')
      return void target.status().then(
        (live) => send(res, 200, { pid: process.pid, services: target.snapshot(), ...live }),
        (err: unknown) => send(res, 503, { error: err instanceof Error ? err.message : String(err) }),
      );
    if (route !== 'POST /restart') return send(res, 404, { error: `no such endpoint: ${route}` });
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return send(res, 415, { error: 'the body must be application/json' });
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c;
      if (raw.length > MAX_BODY) req.destroy();
    });
    req.on('end', () => {
      let body: { services?: unknown; withDependents?: unknown };
      try {
        body = JSON.parse(raw || '{}') as typeof body;
      } catch {
        return send(res, 400, { error: 'the body is not JSON' });
      }
      if (!Array.isArray(body.services) || !body.services.every((s) => typeof s === 'string'))
        return send(res, 400, { error: 'services must be a list of names' });
      target.restart(body.services as string[], body.withDependents === true).then(
        (results) => send(res, 200, { results }),
        (err: unknown) => send(res, 500, { error: err instanceof Error ? err.message : String(err) }),
      );
    });
  });
  const listener = await bind(server, '127.0.0.1', 0, 'its control endpoint', 'Another process may be exhausting ports; try again.');
  port = listener.port;
  return listener;
}

/** The `supervisor.metrics` listener: `/metrics` only, with the token. */
export async function startMetricsServer(addr: string, token: () => string, metrics: () => Promise<string>): Promise<Listener> {
  const cut = addr.lastIndexOf(':');
  const host = addr.slice(0, cut).replace(/^\[|\]$/g, '');
  const server = http.createServer((req, res) => {
    if (!req.url?.startsWith('/metrics')) return send(res, 404, { error: 'only /metrics here' });
    if (!admitted(req, res, token, undefined)) return;
    void metrics().then((text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text));
  });
  return bind(server, host, Number(addr.slice(cut + 1)), 'metrics', 'Free that port or change supervisor.metrics in stack.yaml (or STACK_METRICS_ADDR).');
}
