// The team's schema migration, run by `stack up` as a one-shot host job (kind: job in stack.yaml): it runs
// once per definition, and the worker waits for it to complete. Idempotent, like any migration should be.
import pg from 'pg';
import { postgresConfig } from './postgres.mjs';

const client = new pg.Client(postgresConfig());
await client.connect();
try {
  await client.query(`CREATE TABLE IF NOT EXISTS documents (
    id bigserial PRIMARY KEY,
    source text NOT NULL,
    body text NOT NULL,
    indexed_at timestamptz
  )`);
  const { rows } = await client.query('SELECT count(*)::int AS n FROM documents');
  console.log(`migrated: table documents ready (${rows[0].n} rows)`);
} finally {
  await client.end();
}
