// The team's indexing worker, run by stack as a host process beside the containers: it takes jobs from the
// Redis list stack:jobs and records them in Postgres. Started after redis is healthy and the migration
// completed; healed by the supervisor like a container. Try: redis-cli -p 6379 LPUSH stack:jobs hello
import Redis from 'ioredis';
import pg from 'pg';
import { postgresConfig } from './postgres.mjs';

const redis = new Redis({ host: process.env.REDIS_HOST || '127.0.0.1', port: Number(process.env.REDIS_PORT || 6379), maxRetriesPerRequest: null });
const db = new pg.Pool({ ...postgresConfig(), max: 2 });
await db.query('SELECT 1 FROM documents LIMIT 1');
console.log('worker ready: waiting for jobs on stack:jobs');

let stopping = false;
const stop = async () => {
  stopping = true;
  redis.disconnect();
  await db.end();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

while (!stopping) {
  const job = await redis.brpop('stack:jobs', 5).catch(() => null);
  if (!job) continue;
  await db.query('INSERT INTO documents (source, body, indexed_at) VALUES ($1, $2, now())', ['queue', job[1]]);
  console.log(`indexed job: ${job[1].slice(0, 80)}`);
}
