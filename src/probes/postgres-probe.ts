import pg from 'pg';
import { describeNetworkError } from './network-error.js';
import { secret } from './secret.js';
import type { ProbeFn } from './types.js';

/** Connect, SELECT 1, then the optional query: proves the server accepts logins and runs SQL. */
export const postgresProbe: ProbeFn<'postgres'> = async (probe, ctx) => {
  const { host, port } = await ctx.endpoint(probe.port, probe.host);
  const user = probe.user_env ? secret(ctx, probe.user_env) : (probe.user ?? 'postgres');
  const database = probe.database_env ? secret(ctx, probe.database_env) : (probe.database ?? user);
  const client = new pg.Client({
    host,
    port,
    user,
    database,
    password: secret(ctx, probe.password_env),
    connectionTimeoutMillis: ctx.timeoutMs,
    query_timeout: ctx.timeoutMs,
    statement_timeout: ctx.timeoutMs,
  });
  client.on('error', () => {}); // a server going away mid-probe surfaces through the failed query
  const abort = () => void client.end().catch(() => {});
  ctx.signal.addEventListener('abort', abort, { once: true });
  try {
    await client.connect();
    const one = await client.query('SELECT 1 AS one');
    if (one.rows[0]?.one !== 1) throw new Error('SELECT 1 did not return 1');
    if (probe.query) await client.query(probe.query);
    return probe.query ? 'SELECT 1 and the probe query ok' : 'SELECT 1 ok';
  } catch (err) {
    // 28P01: wrong password. A data volume keeps the password it was first created with, whatever the env file says now.
    const hint =
      (err as { code?: string }).code === '28P01'
        ? ' (a data volume keeps the password it was created with: set that one, or `stack down -v` for a new volume — its data is lost)'
        : '';
    throw new Error(`postgres at ${host}:${port} (user ${user}, database ${database}): ${describeNetworkError(err)}${hint}`, { cause: err });
  } finally {
    ctx.signal.removeEventListener('abort', abort);
    await client.end().catch(() => {});
  }
};
