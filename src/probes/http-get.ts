/** The HTTP request every HTTP-based probe makes (undici), reading at most 64 KiB of the body. */
import { request } from 'undici';
import { describeNetworkError } from './network-error.js';

export interface HttpAnswer {
  status: number;
  body: string;
}

export async function httpGet(
  url: string,
  ctx: { signal: AbortSignal; timeoutMs: number },
  method: 'GET' | 'HEAD' = 'GET',
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  try {
    const res = await request(url, { method, headers, signal: ctx.signal, headersTimeout: ctx.timeoutMs, bodyTimeout: ctx.timeoutMs });
    const body = method === 'HEAD' ? '' : (await res.body.text()).slice(0, 65_536);
    return { status: res.statusCode, body };
  } catch (err) {
    throw new Error(`${method} ${url} failed: ${describeNetworkError(err)}`, { cause: err });
  }
}
