/**
 * The supervisor's control endpoint on 127.0.0.1 (port in owner.json): `stack restart` and `stack status`
 * talk to the running supervisor through it instead of racing it for the containers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Supervisor } from './supervisor.js';

export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

export async function startControlServer(supervisor: Supervisor, extra: Record<string, http.RequestListener> = {}): Promise<ControlServer> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const route = `${req.method} ${req.url?.split('?')[0]}`;
    if (route === 'GET /status') return send(200, { pid: process.pid, services: supervisor.snapshot() });
    if (route === 'POST /restart') {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c));
      req.on('end', () => {
        let body: { services?: string[]; withDependents?: boolean };
        try {
          body = JSON.parse(raw || '{}') as typeof body;
        } catch {
          return send(400, { error: 'the body is not JSON' });
        }
        supervisor.restart(body.services ?? [], body.withDependents ?? false).then(
          (results) => send(200, { results }),
          (err: unknown) => send(500, { error: err instanceof Error ? err.message : String(err) }),
        );
      });
      return;
    }
    const handler = extra[route];
    if (handler) return handler(req, res);
    send(404, { error: `no such endpoint: ${route}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
