/**
 * The CLI's side of the supervisor's control endpoint (session/endpoints): one JSON request on loopback with
 * the stack's token. node:http rather than an HTTP client library: `status` must not pay for loading one.
 */
import http from 'node:http';

export interface ControlAnswer {
  status: number;
  body: unknown;
}

/** Rejects when the supervisor does not answer within `timeoutMs` (0: wait as long as it takes, e.g. a restart). */
export function callSupervisor(
  port: number,
  token: string,
  request: { method: 'GET' | 'POST'; path: string; body?: unknown; timeoutMs?: number },
): Promise<ControlAnswer> {
  return new Promise((resolve, reject) => {
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: request.method,
        path: request.path,
        headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
        ...(request.timeoutMs ? { timeout: request.timeoutMs } : {}),
      },
      (res) => {
        let raw = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (raw += c));
        res.on('error', reject);
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(raw || 'null') as unknown });
          } catch {
            reject(new Error(`the supervisor answered ${res.statusCode} with a body that is not JSON`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`the supervisor did not answer within ${request.timeoutMs}ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
