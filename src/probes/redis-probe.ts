import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describeNetworkError } from './network-error.js';
import { secret } from './secret.js';
import type { ProbeFn } from './types.js';

/** PING, then a SET/GET/DEL round trip on a throwaway key: proves the server accepts writes, not just sockets. */
export const redisProbe: ProbeFn<'redis'> = async (probe, ctx) => {
  const { host, port } = await ctx.endpoint(probe.port, probe.host);
  const client = new Redis({
    host,
    port,
    username: secret(ctx, probe.username_env),
    password: secret(ctx, probe.password_env),
    db: probe.db ?? 0,
    lazyConnect: true,
    connectTimeout: ctx.timeoutMs,
    commandTimeout: ctx.timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // With retries off, a refused AUTH closes the connection and the command only says "Connection is closed";
  // the server's own words (WRONGPASS, NOAUTH…) arrive on the error event, so keep them.
  let serverError: Error | undefined;
  client.on('error', (err: Error) => (serverError ??= err));
  const abort = () => client.disconnect();
  ctx.signal.addEventListener('abort', abort, { once: true });
  try {
    await client.connect();
    const pong = await client.ping();
    if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
    const key = `stack:probe:${randomUUID()}`;
    const value = randomUUID();
    await client.set(key, value, 'PX', 10_000);
    const read = await client.get(key);
    await client.del(key);
    if (read !== value) throw new Error(`SET/GET round trip read ${JSON.stringify(read)} back`);
    return 'PONG, SET/GET/DEL ok';
  } catch (err) {
    const reason = /Connection is closed/.test(String((err as Error).message)) && serverError ? serverError : err;
    throw new Error(`redis at ${host}:${port}: ${describeNetworkError(reason)}`, { cause: err });
  } finally {
    ctx.signal.removeEventListener('abort', abort);
    client.disconnect();
  }
};
