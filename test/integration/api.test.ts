/**
 * The programmatic API and `stack env`, against the project's stack with the `ci` profile on the real engine:
 * the connection settings it hands out must really connect.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, teardown } from '../../examples/vitest-global-setup.js';
import { up } from '../../src/index.js';
import { projectContainers, purge, RANDOM_PORTS, stack, testState } from '../support/docker.js';

const PROJECT = 'stack-test-api';
const state = testState(PROJECT);
const env: Record<string, string> = {
  ...state.env,
  STACK_PROJECT_NAME: PROJECT,
  STACK_COMPOSE_FILES: 'compose/docker-compose.local.yml',
  POSTGRES_USER: 'stack',
  POSTGRES_PASSWORD: 'api-test-password',
  POSTGRES_DB: 'stack',
  ...RANDOM_PORTS,
};
const saved = { ...process.env };

beforeAll(() => {
  purge(PROJECT);
  Object.assign(process.env, env, { CI: 'true' });
});
afterAll(() => {
  process.env = saved;
  purge(PROJECT);
  state.remove();
});

describe('the example vitest globalSetup (examples/vitest-global-setup.ts)', () => {
  it('brings the ci profile up and exports working connection settings', async () => {
    await setup();
    expect(process.env['REDIS_URL']).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env['DATABASE_URL']).toMatch(/^postgres:\/\/stack@127\.0\.0\.1:\d+\/stack$/); // no password unless asked
    const redis = new Redis(process.env['REDIS_URL']!);
    expect(await redis.ping()).toBe('PONG');
    redis.disconnect();
    const url = new URL(process.env['DATABASE_URL']!);
    url.password = env['POSTGRES_PASSWORD']!; // kept out of DATABASE_URL unless --show-secrets / showSecrets
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    expect((await db.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await db.end();
    const rag = await fetch(`${process.env['RAG_URL']}/health`);
    expect(await rag.json()).toMatchObject({ status: 'ok', checks: { qdrant: 'ok', redis: 'ok', prometheus: 'ok' } });
    expect((await fetch(`${process.env['QDRANT_URL']}/collections`)).status).toBe(200);
    expect((await fetch(`${process.env['PROMETHEUS_URL']}/-/ready`)).status).toBe(200);
    expect(projectContainers(PROJECT).some((c) => c.includes('grafana'))).toBe(false); // not in the ci profile
  });

  it('stack env prints the same settings as dotenv, JSON and for GitHub Actions', async () => {
    const dotenv = await stack(['env', '--profile', 'ci'], env);
    expect(dotenv.code).toBe(0);
    expect(dotenv.stdout).toContain(`REDIS_URL=${process.env['REDIS_URL']}\n`);
    expect(dotenv.stdout).toMatch(/^RAG_URL=http:\/\/127\.0\.0\.1:\d+$/m);
    expect(dotenv.stdout).toMatch(/^POSTGRES_PORT=\d+$/m);
    expect(dotenv.stdout).not.toContain(env['POSTGRES_PASSWORD']);

    const json = JSON.parse((await stack(['env', '--format', 'json', 'redis', 'postgres'], env)).stdout);
    expect(Object.keys(json).sort()).toEqual(['DATABASE_URL', 'POSTGRES_HOST', 'POSTGRES_PORT', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_URL']);

    const file = join(mkdtempSync(join(tmpdir(), 'gh-')), 'env');
    const gh = await stack(['env', '--format', 'github', '--show-secrets', 'postgres'], { ...env, GITHUB_ENV: file });
    expect(gh.stdout).toBe(`::add-mask::postgres://stack:${env['POSTGRES_PASSWORD']}@127.0.0.1:${json.POSTGRES_PORT}/stack\n`);
    expect(readFileSync(file, 'utf8')).toContain(`DATABASE_URL=postgres://stack:${env['POSTGRES_PASSWORD']}@127.0.0.1:${json.POSTGRES_PORT}/stack`);

    const notRunning = await stack(['env', 'grafana'], env);
    expect(notRunning.code).toBe(4);
    expect(notRunning.stderr).toMatch(/not running, so no settings for: grafana/);
  });

  it('teardown in CI brings everything down', async () => {
    await teardown();
    expect(projectContainers(PROJECT)).toEqual([]);
  });
});

describe('up() handle', () => {
  it('is disposable: `await using` (Symbol.asyncDispose) brings the stack down', async () => {
    {
      await using handle = await up({ services: ['redis'], env: { ...process.env, ...env } });
      expect(handle.result.outcome['redis']).toMatchObject({ state: 'healthy' });
      expect((await handle.status()).services.find((s) => s.name === 'redis')).toMatchObject({ state: 'running', health: 'healthy' });
    }
    expect(projectContainers(PROJECT)).toEqual([]);
  });

  it('throws the typed error with the report when a gate fails', async () => {
    const err = await up({ file: 'test/fixtures/failing/stack.yaml', services: ['stuck'], projectName: PROJECT, env: process.env }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GATE_FAILED', reports: [{ service: 'stuck', kind: 'deadline' }] });
    execFileSync('node', ['dist/cli/main.js', '-f', 'test/fixtures/failing/stack.yaml', 'down', '-t', '1'], {
      env: { ...process.env, STACK_PROJECT_NAME: PROJECT },
      stdio: 'ignore',
    });
  });
});
