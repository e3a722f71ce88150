import { httpGet } from './http-get.js';
import { short } from './network-error.js';
import type { ProbeFn } from './types.js';

/** /api/health must answer 200 with `database: ok` (Grafana answers 503 while its database is not ready). */
export const grafanaProbe: ProbeFn<'grafana'> = async (probe, ctx) => {
  const { host, port } = await ctx.endpoint(probe.port, probe.host);
  const url = `http://${host}:${port}/api/health`;
  const { status, body } = await httpGet(url, ctx);
  let health: { database?: string; version?: string } = {};
  try {
    health = JSON.parse(body) as typeof health;
  } catch {
    throw new Error(`${url} answered ${status} with a body that is not JSON: ${short(body)}`);
  }
  if (status !== 200 || health.database !== 'ok') {
    throw new Error(`${url} answered ${status} with database ${JSON.stringify(health.database)}, expected "ok"`);
  }
  return `database ok, version ${health.version ?? 'unknown'}`;
};
