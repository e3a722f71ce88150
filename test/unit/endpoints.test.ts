/**
 * The supervisor's control endpoint on real loopback HTTP: every request needs the stack's token; a
 * non-loopback Host (DNS rebinding) and a body that is not JSON (a simple cross-origin form or text/plain
 * request) are refused and change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import type { AddressInfo } from 'node:net';
import { startControlServer, startMetricsServer, type ControlTarget, type Listener } from '../../src/session/endpoints.js';

const TOKEN = 'a'.repeat(64);
const restarts: string[][] = [];
const target: ControlTarget = {
  snapshot: () => [{ name: 'db', state: 'healthy', restarts: 0, breaker: 'closed' }],
  restart: async (names) => {
    restarts.push([...names]);
    return names.map((service) => ({ service, ok: true }));
  },
  status: async () => ({ specDigest: 'd'.repeat(64), status: { project: 'p', services: [] } }),
  dashboard: async () => ({ stack: 'p', services: [], edges: [], at: '' }),
  followLogs: async () => {},
};
let control: Listener;

beforeAll(async () => {
  control = await startControlServer({ token: () => TOKEN, target: () => target, metrics: async () => 'stack_service_up 1\n' });
});
afterAll(() => control.close());

const call = (path: string, init: RequestInit & { host?: string } = {}) => {
  const headers = new Headers(init.headers);
  return fetch(`http://127.0.0.1:${control.port}${path}`, { ...init, headers });
};
const auth = { authorization: `Bearer ${TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };

/** A raw request, so the Host header can be anything (fetch does not let it be set). */
function raw(host: string, headers: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = '{"services":["db"]}';
    const s = net.connect(control.port, '127.0.0.1', () =>
      s.write(`POST /restart HTTP/1.1\r\nHost: ${host}\r\n${headers}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`),
    );
    let data = '';
    s.on('data', (d) => (data += d));
    s.on('end', () => resolve(Number(data.split(' ')[1])));
    s.on('error', reject);
  });
}

describe('control endpoint', () => {
  it('answers with the token', async () => {
    const r = await call('/restart', { method: 'POST', headers: json, body: JSON.stringify({ services: ['db'] }) });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ results: [{ service: 'db', ok: true }] });
    expect(restarts).toEqual([['db']]);
    expect((await call('/status', { headers: auth })).status).toBe(200);
    expect((await call('/metrics', { headers: auth })).status).toBe(200);
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: `Bearer ${'b'.repeat(64)}` }],
    ['a token of another length', { authorization: 'Bearer short' }],
  ])('refuses %s with 401 and restarts nothing', async (_name, headers) => {
    const before = restarts.length;
    for (const [path, method] of [
      ['/restart', 'POST'],
      ['/status', 'GET'],
      ['/metrics', 'GET'],
    ] as const) {
      const r = await call(path, {
        method,
        headers: { ...headers, 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{"services":["db"]}' } : {}),
      });
      expect([path, r.status]).toEqual([path, 401]);
    }
    expect(restarts.length).toBe(before);
  });

  it('refuses a body that is not application/json (what a cross-origin page can send without preflight) with 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await call('/restart', { method: 'POST', headers: { ...auth, 'content-type': type }, body: '{"services":["db"]}' });
      expect([type, r.status]).toEqual([type, 415]);
    }
  });

  it('refuses a Host that is not loopback (DNS rebinding) with 403, even with the token', async () => {
    const before = restarts.length;
    expect(await raw(`evil.example:${control.port}`, `Authorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n`)).toBe(403);
    expect(await raw(`127.0.0.1:${control.port}`, `Authorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n`)).toBe(200);
    expect(await raw(`localhost:${control.port}`, `Authorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n`)).toBe(200);
    expect(restarts.length).toBe(before + 2);
  });

  it('refuses a body of the wrong shape with 400', async () => {
    const r = await call('/restart', { method: 'POST', headers: json, body: JSON.stringify({ services: 'db' }) });
    expect(r.status).toBe(400);
  });

  it('listens on loopback only: another address of this machine is refused', async () => {
    const other = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    expect(other, 'this machine has a non-loopback address to try').toBeDefined();
    const outcome = await new Promise<string>((resolve) => {
      const s = net.connect(control.port, other!, () => resolve('connected'));
      s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(outcome).toBe('ECONNREFUSED');
  });
});

describe('metrics listener', () => {
  it('needs the token too, and a taken port is a clear error', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    await expect(
      startMetricsServer(
        `127.0.0.1:${port}`,
        () => TOKEN,
        async () => '',
      ),
    ).rejects.toMatchObject({
      code: 'START_FAILED',
      message: expect.stringMatching(new RegExp(`cannot serve metrics on 127\\.0\\.0\\.1:${port}: EADDRINUSE`)),
    });
    blocker.close();
    const m = await startMetricsServer(
      '127.0.0.1:0',
      () => TOKEN,
      async () => 'x 1\n',
    );
    expect((await fetch(`http://127.0.0.1:${m.port}/metrics`)).status).toBe(401);
    expect(await (await fetch(`http://127.0.0.1:${m.port}/metrics`, { headers: auth })).text()).toBe('x 1\n');
    await m.close();
  });
});
