import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { cli } from '../support/cli.js';

describe('stack validate', () => {
  it('accepts the project stack.yaml', async () => {
    const r = await cli(['validate'], { env: { POSTGRES_USER: 'u', POSTGRES_PASSWORD: 'p', POSTGRES_DB: 'd' } });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('✔ stack.yaml is valid: 8 services in 3 waves\n');
  });

  it('prints every problem with file:line:col and exits 2', async () => {
    const r = await cli(['-f', 'test/fixtures/several/stack.yaml', 'validate']);
    expect(r.code).toBe(EXIT.CONFIG_INVALID);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('✖'))).toHaveLength(5);
    expect(r.stderr).toContain('5 problems; fix them and run `stack validate` again');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('--json gives the problems as data', async () => {
    const r = await cli(['-f', 'test/fixtures/cycle/stack.yaml', 'validate', '--json']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID', exitCode: 2 } });
    expect(doc.problems[0]).toMatchObject({ path: 'services.api.depends_on', line: 6, col: 17 });
  });
});

describe('stack plan', () => {
  it('prints waves as JSON without touching Docker', async () => {
    const r = await cli(['plan', '--json'], { env: { DOCKER_HOST: 'tcp://127.0.0.1:1' } });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.waves).toEqual([['postgres', 'prometheus', 'qdrant', 'redis'], ['grafana', 'migrate', 'rag-server'], ['worker']]);
    expect(doc.stopOrder).toEqual([['worker'], ['grafana', 'migrate', 'rag-server'], ['postgres', 'prometheus', 'qdrant', 'redis']]);
  });

  it('plans a subset in plain text', async () => {
    const r = await cli(['plan', 'grafana']);
    expect(r.stdout).toMatchInlineSnapshot(`
      "plan for fmoua (stack.yaml), strategy eager:
        wave 0: prometheus
        wave 1: grafana (after prometheus)
      stop order (down): grafana → prometheus
      "
    `);
  });

  it('rejects an unknown service with exit 2 and the known names', async () => {
    const r = await cli(['plan', 'mongo']);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain('unknown service: mongo');
  });

  it('rejects an unknown strategy', async () => {
    const r = await cli(['plan', '--strategy', 'fastest']);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain('Allowed choices are eager, waves');
  });
});

describe('engine unreachable', () => {
  it.each([['up'], ['status'], ['down']])('%s says where it looked and what to do, exit 3', async (cmd) => {
    const r = await cli([cmd], { env: { DOCKER_HOST: 'unix:///tmp/no-such-docker.sock', POSTGRES_USER: 'u', POSTGRES_PASSWORD: 'p', POSTGRES_DB: 'd' } });
    expect(r.code).toBe(EXIT.ENGINE_UNREACHABLE);
    expect(r.stderr).toContain('Docker is not reachable at unix:///tmp/no-such-docker.sock');
    expect(r.stderr).toContain('Start the Docker engine');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('up refuses to start when a secret a probe needs is missing', async () => {
    const r = await cli(['-f', 'test/fixtures/valid/stack.yaml', 'up'], { env: {} });
    expect(r.code).toBe(EXIT.CONFIG_INVALID);
    expect(r.stderr).toContain('services.db.probe.password_env: DB_PASSWORD is not set');
  });
});
