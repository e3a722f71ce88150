/** The HTTP request every HTTP-based probe makes (undici), reading at most 64 KiB of the body. */
import { request } from 'undici';

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

export function describeNetworkError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (nothing listens on that port yet)';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset by the server';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'no answer before the probe timeout';
  return e.message ?? e.cause?.message ?? String(err);
}

export function short(body: string, max = 200): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
