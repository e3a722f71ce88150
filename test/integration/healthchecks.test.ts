/**
 * healthchecks/ and compose/docker-compose.healthchecks.yml: the compose-native way (in-container
 * healthchecks + depends_on conditions) works for the same six services, including in images without curl.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, purge, RANDOM_PORTS } from '../support/docker.js';

const PROJECT = 'stack-test-healthchecks';
const env = {
  ...process.env,
  POSTGRES_USER: 'stack',
  POSTGRES_PASSWORD: 'test-only',
  POSTGRES_DB: 'stack',
  HEALTHCHECK_INTERVAL: '1s',
  ...RANDOM_PORTS,
};
const files = ['compose/docker-compose.yml', 'compose/docker-compose.local.yml', 'compose/docker-compose.healthchecks.yml'].flatMap((f) => ['-f', f]);
const health = () =>
  docker('ps', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--format', '{{.Label "com.docker.compose.service"}}={{.Status}}')
    .split('\n')
    .filter(Boolean)
    .sort();
const inQdrant = (...args: string[]) => {
  const id = docker('ps', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--filter', 'label=com.docker.compose.service=qdrant');
  try {
    execFileSync('docker', ['exec', '-e', 'HTTP_OK_METHOD=devtcp', id, '/healthchecks/http-ok.sh', ...args], { stdio: 'pipe' });
    return 0;
  } catch (err) {
    return (err as { status: number }).status;
  }
};

/** Compose v2 when there is one, else v1: the test is about compose's own gating, whichever compose runs it. */
function compose(): string[] {
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
    return ['docker', 'compose'];
  } catch {
    return ['docker-compose'];
  }
}

beforeAll(() => {
  purge(PROJECT);
  const [cmd, ...pre] = compose();
  execFileSync(cmd!, [...pre, '-p', PROJECT, ...files, 'up', '-d'], { env, stdio: 'pipe' });
});
afterAll(() => purge(PROJECT));

describe('compose-native healthchecks', () => {
  it('every service becomes healthy under its in-container healthcheck', async () => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !health().every((s) => s.endsWith('(healthy)'))) await new Promise((r) => setTimeout(r, 500));
    expect(health()).toHaveLength(6);
    for (const s of health()) expect(s).toMatch(/\(healthy\)$/);
  });

  it('http-ok.sh works with bash /dev/tcp alone (images without curl), and fails on a non-2xx answer', () => {
    expect(inQdrant('http://127.0.0.1:6333/readyz')).toBe(0);
    expect(inQdrant('http://127.0.0.1:6333/no-such-endpoint')).toBe(1);
    expect(inQdrant('http://127.0.0.1:1/')).toBe(1);
  });
});
