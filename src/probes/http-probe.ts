import { isDeepStrictEqual } from 'node:util';
import { httpGet } from './http-get.js';
import { short } from './network-error.js';
import type { ProbeFn } from './types.js';

export const httpProbe: ProbeFn<'http'> = async (probe, ctx) => {
  const { host, port } = await ctx.endpoint(probe.port, probe.host);
  const url = `${probe.scheme ?? 'http'}://${host}:${port}${probe.path ?? '/'}`;
  const { status, body } = await httpGet(url, ctx, probe.method ?? 'GET');
  const expected = probe.expect?.status;
  const statusOk = expected === undefined ? status >= 200 && status < 300 : [expected].flat().includes(status);
  if (!statusOk) {
    throw new Error(`${url} answered ${status}, expected ${expected === undefined ? '2xx' : [expected].flat().join(' or ')}${body ? `: ${short(body)}` : ''}`);
  }
  if (probe.expect?.body_contains !== undefined && !body.includes(probe.expect.body_contains)) {
    throw new Error(`${url} answered ${status} but the body does not contain ${JSON.stringify(probe.expect.body_contains)}: ${short(body)}`);
  }
  if (probe.expect?.json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new Error(`${url} answered ${status} but the body is not JSON: ${short(body)}`);
    }
    const mismatch = firstMismatch(probe.expect.json, parsed);
    if (mismatch) throw new Error(`${url} answered ${status} but ${mismatch}: ${short(body)}`);
  }
  return `${status} from ${url}`;
};

/** Deep subset match: every key in `want` must be in `got` with an equal (or matching) value. */
export function firstMismatch(want: unknown, got: unknown, path = ''): string | undefined {
  if (want !== null && typeof want === 'object' && !Array.isArray(want)) {
    if (got === null || typeof got !== 'object') return `${path || 'the body'} is not an object`;
    for (const [k, v] of Object.entries(want)) {
      const m = firstMismatch(v, (got as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (m) return m;
    }
    return undefined;
  }
  return isDeepStrictEqual(want, got) ? undefined : `${path} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
}
