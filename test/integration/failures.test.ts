/** When a gate fails: the report, the exit code, and what is (not) left behind — on the real engine. */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { supervisorMarker } from '../../src/session/acquire.js';
import { readOwner } from '../../src/state/lock.js';
import { systemProcesses } from '../../src/state/processes.js';
import { containerState, projectContainers, purge, stack, testState } from '../support/docker.js';

const PROJECT = 'stack-test-failing';
const FILE = 'test/fixtures/failing/stack.yaml';
const files = testState(PROJECT);
const env = { ...files.env, STACK_PROJECT_NAME: PROJECT };
const state = (service: string) => containerState(PROJECT, service);

beforeAll(() => purge(PROJECT));
afterAll(() => {
  purge(PROJECT);
  files.remove();
});

describe('a service whose probe never passes', () => {
  it('fails by its deadline with the report, and its dependents are not started', async () => {
    const r = await stack(['-f', FILE, 'up', 'worker'], env);
    expect(r.code).toBe(EXIT.DEPENDENCY_FAILED); // worker was asked for and stuck, its dependency, failed
    const out = r.stdout;
    expect(out).toMatch(/✖ stuck failed after 3\.\ds: not healthy within its startup_timeout of 3s; last probe: GET http:\/\/127\.0\.0\.1:\d+\/health failed/);
    expect(out).toMatch(/container: running, exit code 0, OOM killed: no, restarts: 0/);
    expect(out).toMatch(/last 5 probes:\n(\s+\S+ fail +\d+ms .*\n){5}/);
    expect(out).toMatch(/\| stuck: waiting for a config that never comes/);
    expect(out).toMatch(/not started because of it: api, worker/);
    expect(r.stderr).toMatch(/✖ worker not started: stuck failed; not started: api, worker/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.ms).toBeLessThan(20_000);
    // the healthy sibling stays up and the dependents exist but were never started
    expect(state('cache')).toBe('running');
    expect(state('api')).toBe('created');
    expect(state('worker')).toBe('created');
  });

  it('exits 4 when the failed service itself was asked for, and --json carries the report', async () => {
    const r = await stack(['-f', FILE, 'up', 'stuck', '--json'], env);
    expect(r.code).toBe(EXIT.GATE_FAILED);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: false, error: { code: 'GATE_FAILED', exitCode: 4 } });
    expect(doc.failures[0]).toMatchObject({ service: 'stuck', kind: 'deadline', deadlineMs: 3_000 });
  });
});

describe('a service that crashes at start', () => {
  it('fails at once (not at its 30 s deadline) with its exit code and last log lines', async () => {
    const r = await stack(['-f', FILE, 'up', 'crashy'], env);
    expect(r.code).toBe(EXIT.GATE_FAILED);
    expect(r.stdout).toMatch(/✖ crashy failed after .*: the container exited with code 3 before it became healthy/);
    expect(r.stdout).toMatch(/container: exited, exit code 3/);
    expect(r.stdout).toMatch(/\| fatal: DATABASE_URL is not set/);
    expect(r.ms).toBeLessThan(15_000);
  });
});

describe('a host port that is taken', () => {
  let blocker: net.Server;
  let port: number;
  beforeAll(async () => {
    blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    port = (blocker.address() as AddressInfo).port;
  });
  afterAll(() => blocker.close());

  // The pre-flight checks refuse this before anything starts (preflight.test.ts); without them, the engine's refusal.
  it('exits 5 with the engine message and what to do (pre-flight checks off)', async () => {
    const r = await stack(['-f', FILE, 'up', 'taken'], { ...env, TAKEN_PORT: String(port), STACK_PREFLIGHT: '0' });
    expect(r.code).toBe(EXIT.START_FAILED);
    expect(r.stdout + r.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}.*(address already in use|port is already allocated)`));
    expect(r.stdout + r.stderr).toMatch(/A host port in the compose file is taken by another process/);
  });
});

describe('an image that is neither here nor pullable', () => {
  it('exits 5 naming the missing image and how to get it (pre-flight checks off)', async () => {
    const r = await stack(['-f', FILE, 'up', 'noimage'], { ...env, STACK_PREFLIGHT: '0' });
    expect(r.code).toBe(EXIT.START_FAILED);
    expect(r.stderr).toMatch(/this image is not on this engine and could not be pulled: local\/stack-no-such-image:1 \(noimage\)/);
    expect(r.stderr).toMatch(/bash scripts\/build-images\.sh/);
  });
});

describe('the supervisor cannot listen', () => {
  it('`up --detach` with its metrics port taken fails at once with the reason, starts nothing and leaves no process', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      purge(PROJECT);
      const r = await stack(['-f', FILE, 'up', '--detach', 'cache'], { ...env, STACK_METRICS_ADDR: `127.0.0.1:${port}` });
      expect(r.code).toBe(EXIT.START_FAILED);
      expect(r.stdout + r.stderr).toMatch(new RegExp(`the supervisor cannot serve metrics on 127\\.0\\.0\\.1:${port}: EADDRINUSE`));
      expect(projectContainers(PROJECT)).toEqual([]); // it failed before creating anything
      expect(systemProcesses.find(supervisorMarker(files.paths))).toEqual([]);
      expect(readOwner(files.paths)).toBeUndefined();
    } finally {
      blocker.close();
    }
  });
});

describe('down after failures', () => {
  it('removes every container of the project, started or not', async () => {
    await stack(['-f', FILE, 'up', 'worker'], env); // fails, leaving containers created but never started
    expect(projectContainers(PROJECT).length).toBeGreaterThan(0);
    const r = await stack(['-f', FILE, 'down', '--volumes'], env);
    expect(r.code).toBe(0);
    expect(projectContainers(PROJECT)).toEqual([]);
  });
});
