/**
 * The supervisor on the real engine: crashes (SIGKILL), stops by hand, a removed container, a paused (hung)
 * service, a crash loop with its breaker and webhook, dependents restarted in order, `stack restart`, one
 * supervisor per stack, adoption after the supervisor is SIGKILLed, its state directory deleted under it,
 * and `stack down` finding it without state files. (The engine restarting under it: engine-restart.test.ts.)
 * Each describe brings the stack to the state it needs; containers are found by compose labels.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalRecord } from '../../src/state/journal.js';
import { readOwner } from '../../src/state/lock.js';
import { systemProcesses } from '../../src/state/processes.js';
import { containerOf, containerState, docker, projectContainers, purge, stack, startedAt, testState } from '../support/docker.js';
import { until } from '../support/until.js';

const PROJECT = 'stack-test-healing';
const FILE = 'test/fixtures/healing/stack.yaml';
const state = testState(PROJECT);
const SECRET = 'heal-test-secret-value';
const webhookCalls: { status: number; body: Record<string, unknown> }[] = [];
let webhook: http.Server;
let env: Record<string, string>;
const since = (from: number) => state.records().filter((r) => r.at >= from);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const alive = (pid: number) => systemProcesses.alive(pid);
const HEALTHY_SET = ['redis', 'postgres', 'app', 'worker', 'pausable'];

const find = <T extends JournalRecord['type']>(from: number, type: T, service?: string) =>
  since(from).find((r): r is Extract<JournalRecord, { type: T }> => r.type === type && (!service || ('service' in r && r.service === service)));

/** The stack up and supervised (starting a supervisor, or joining the one there is). */
async function supervised(services: string[] = []): Promise<number> {
  const r = await stack(['-f', FILE, 'up', '--detach', ...services], env);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return readOwner(state.paths)!.pid;
}

function statusJson(): { supervisor: { pid: number } | null; services: { name: string; health: string; state: string }[] } {
  try {
    return JSON.parse(execFileSync('node', ['dist/cli/main.js', '-f', FILE, 'status', '--json'], { env: { ...process.env, ...env }, encoding: 'utf8' }));
  } catch (err) {
    return JSON.parse((err as { stdout: string }).stdout); // exit 4 while something is unhealthy
  }
}

beforeAll(async () => {
  purge(PROJECT);
  webhook = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c));
    req.on('end', () => {
      // The first call fails, so the notifier has to retry.
      const status = webhookCalls.length === 0 ? 500 : 200;
      webhookCalls.push({ status, body: JSON.parse(raw) as Record<string, unknown> });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
  env = {
    ...state.env,
    STACK_PROJECT_NAME: PROJECT,
    HEAL_PG_PASSWORD: SECRET,
    HEAL_WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`,
  };
});

afterAll(async () => {
  await stack(['-f', FILE, 'down', '--volumes', '-t', '1'], env);
  purge(PROJECT);
  webhook?.close();
  state.remove();
});

describe('one supervisor per stack', () => {
  beforeAll(async () => {
    await stack(['-f', FILE, 'down', '-t', '1'], env);
  });

  it('two `stack up --detach` at once leave exactly one supervisor', async () => {
    const from = Date.now();
    const [a, b] = await Promise.all([stack(['-f', FILE, 'up', '--detach'], env), stack(['-f', FILE, 'up', '--detach'], env)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const started = since(from).filter((r) => r.type === 'supervisor' && r.phase === 'started');
    expect(started).toHaveLength(1);
    expect(a.stdout + b.stdout).toMatch(/supervising in the background \(pid \d+\)/);
    expect(a.stdout + b.stdout).toMatch(/✔ joined: stack-test-healing is up and supervised by pid \d+/);
    expect(a.stderr + b.stderr).toMatch(/is already bringing up or supervising stack-test-healing; following it/);
    expect(readOwner(state.paths)).toMatchObject({ phase: 'supervising', pid: started[0]!.pid });
  });

  it('a plain `stack up` while supervised joins instead of starting anything', async () => {
    await supervised();
    const before = startedAt(PROJECT, 'redis');
    const r = await stack(['-f', FILE, 'up'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/joined/);
    expect(startedAt(PROJECT, 'redis')).toBe(before);
  });

  it('keeps its state private: the directory 0700, every file 0600', async () => {
    await supervised();
    const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
    expect(mode(state.dir)).toBe('700');
    expect(mode(state.paths.lock)).toBe('700');
    for (const f of [state.paths.owner, state.paths.journal, state.paths.supervisorLog, state.paths.token]) expect([f, mode(f)]).toEqual([f, '600']);
  });
});

describe('healing', () => {
  beforeAll(async () => {
    await supervised();
  });

  it('heals SIGKILLed redis and postgres; detection and recovery times recorded', async () => {
    const times: Record<string, { detect: number[]; recover: number[] }> = {};
    for (const service of ['redis', 'postgres']) {
      times[service] = { detect: [], recover: [] };
      for (let i = 0; i < 5; i++) {
        const from = Date.now();
        docker('kill', '-s', 'KILL', containerOf(PROJECT, service));
        const detected = await until('detection', () => find(from, 'detected', service));
        const recovered = await until('recovery', () => find(from, 'recovered', service), 60_000);
        expect(detected).toMatchObject({
          trigger: 'exit',
          healed: true,
          reason: expect.stringMatching(/exited with code 137 \(killed with signal (9|KILL|SIGKILL)\)/),
        });
        times[service].detect.push(detected.at - from);
        times[service].recover.push(recovered.at - from);
        if (service === 'postgres') {
          // restart_dependents: app, then worker, each after its dependency is healthy again
          await until(
            'dependents healthy again',
            () => since(from).filter((r) => r.type === 'service' && r.state === 'healthy' && ['app', 'worker'].includes(r.service)).length >= 2 || undefined,
            30_000,
          );
          const healthyAt = (s: string) => since(from).find((r) => r.type === 'service' && r.state === 'healthy' && r.service === s)!.at;
          const restartAt = (s: string) => find(from, 'restart', s)!.at;
          expect(restartAt('app')).toBeGreaterThanOrEqual(recovered.at);
          expect(restartAt('worker')).toBeGreaterThanOrEqual(healthyAt('app'));
          const order = since(from)
            .filter((r) => r.type === 'restart')
            .map((r) => (r as { service: string; why: string }).service + ':' + (r as { why: string }).why);
          expect(order).toEqual(['postgres:heal', 'app:dependency', 'worker:dependency']);
        }
        await new Promise((r) => setTimeout(r, 2_500)); // stable past reset_after (2s): next kill starts from 1s again
      }
      expect(median(times[service].detect)).toBeLessThan(1_000);
      expect(median(times[service].recover)).toBeLessThan(15_000);
    }
    for (const [s, t] of Object.entries(times)) {
      console.log(
        `[measure] ${s}: detection median ${median(t.detect)} ms (${t.detect.join(', ')}); recovery median ${median(t.recover)} ms (${t.recover.join(', ')})`,
      );
    }
  });

  it('heals a service stopped by hand (docker stop)', async () => {
    const from = Date.now();
    docker('stop', '-t', '1', containerOf(PROJECT, 'redis'));
    expect(await until('detection', () => find(from, 'detected', 'redis'))).toMatchObject({ trigger: 'stopped', healed: true });
    await until('recovery', () => find(from, 'recovered', 'redis'));
  });

  it('recreates a container removed by hand (docker rm -f) through the gate, counted as a restart', async () => {
    const old = containerOf(PROJECT, 'redis');
    const from = Date.now();
    docker('rm', '-f', old);
    expect(await until('detection', () => find(from, 'detected', 'redis'))).toMatchObject({ healed: true });
    await until('recovery', () => find(from, 'recovered', 'redis'), 60_000);
    expect(since(from).find((r) => r.type === 'service' && r.service === 'redis' && r.state === 'healthy')).toMatchObject({
      detail: 'its container was gone: recreated',
    });
    expect(find(from, 'restart', 'redis')).toMatchObject({ why: 'heal' });
    expect(containerOf(PROJECT, 'redis')).not.toBe(old);
    expect(containerState(PROJECT, 'redis')).toBe('running');
    expect(find(from, 'breaker', 'redis')).toBeUndefined();
  });

  it('restarts a paused (hung) service after its liveness failure threshold', async () => {
    const from = Date.now();
    docker('pause', containerOf(PROJECT, 'pausable'));
    const detected = await until('unhealthy', () => find(from, 'detected', 'pausable'), 20_000);
    expect(detected).toMatchObject({
      trigger: 'unhealthy',
      reason: expect.stringMatching(/liveness probe failed 3 times in a row \(the container is paused\); last: no answer within the probe timeout \(300ms\)/),
    });
    const failures = since(from).filter((r) => r.type === 'liveness' && r.service === 'pausable');
    expect(failures.map((r) => (r as { failures: number }).failures)).toEqual([1, 2, 3]);
    expect(detected.at - from).toBeLessThan(4_000); // (interval 250 ms + timeout 300 ms) × 3, plus slack
    await until('recovery', () => find(from, 'recovered', 'pausable'), 30_000);
    expect(containerState(PROJECT, 'pausable')).toBe('running');
  });

  it('a crash loop backs off, opens the breaker without disturbing others, reaches the webhook; `stack restart` closes it', async () => {
    const others = HEALTHY_SET.map((s) => startedAt(PROJECT, s));
    const from = Date.now();
    docker('kill', '-s', 'KILL', containerOf(PROJECT, 'crashy'));
    const breaker = await until('breaker', () => find(from, 'breaker', 'crashy'), 30_000);
    expect(breaker).toMatchObject({ open: true, restartsInWindow: 3 });
    const backoffs = since(from)
      .filter((r) => r.type === 'backoff' && r.service === 'crashy')
      .map((r) => (r as { delayMs: number }).delayMs);
    expect(backoffs).toEqual([200, 400, 800]);
    const restartsAt = since(from)
      .filter((r) => r.type === 'restart' && r.service === 'crashy')
      .map((r) => r.at);
    expect(restartsAt[2]! - restartsAt[1]!).toBeGreaterThan(restartsAt[1]! - restartsAt[0]!);
    expect(HEALTHY_SET.map((s) => startedAt(PROJECT, s))).toEqual(others);

    const status = statusJson();
    const crashy = status.services.find((s) => s.name === 'crashy');
    expect(crashy).toMatchObject({ state: 'exited', heal: { breaker: 'open', lastFailure: { reason: expect.stringMatching(/exited with code 3/) } } });
    expect(status.supervisor).toMatchObject({ pid: expect.any(Number) });

    const calls = await until('webhook retried', () => (webhookCalls.length >= 2 ? webhookCalls : undefined), 15_000);
    // Only the breaker is worth a POST (healed crashes were not); the first POST failed and was retried.
    expect(calls.map((c) => c.status)).toEqual([500, 200]);
    expect(calls[1]!.body).toEqual(calls[0]!.body);
    expect(calls[1]!.body).toMatchObject({ stack: PROJECT, service: 'crashy', event: 'breaker-open', restartsInWindow: 3 });
    expect(JSON.stringify(calls)).not.toContain(SECRET);

    const events = await stack(['-f', FILE, 'events', 'crashy'], env);
    expect(events.stdout).toMatch(/crashy +restart #1 in 200ms/);
    expect(events.stdout).toMatch(/crashy +FAILED, breaker open: 3 restarts within 60s/);

    const restartFrom = Date.now();
    const r = await stack(['-f', FILE, 'restart', 'crashy'], env);
    expect(r.stderr).toMatch(/asking the supervisor \(pid \d+\) to restart crashy/);
    expect(find(restartFrom, 'breaker', 'crashy')).toMatchObject({ open: false, reason: 'closed by stack restart' });
    expect(find(restartFrom, 'restart', 'crashy')).toMatchObject({ why: 'manual' });
    expect(r.code).toBe(4); // crashy still cannot start twice: it says so
    expect(r.stdout).toMatch(/✖ crashy: the container exited with code 3/);

    const logs = await stack(['-f', FILE, 'logs', 'crashy', '--tail', '5'], env);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/crashy: cannot start twice/);
  });

  it('a SIGKILLed supervisor leaves the stack running; the next up adopts it without restarting anything', async () => {
    await until(
      'all but crashy healthy',
      () =>
        statusJson()
          .services.filter((s) => HEALTHY_SET.includes(s.name))
          .every((s) => s.health === 'healthy') || undefined,
      60_000,
    );
    const old = readOwner(state.paths)!.pid;
    const before = HEALTHY_SET.map((s) => startedAt(PROJECT, s));
    process.kill(old, 'SIGKILL');
    await until('supervisor gone', () => !alive(old));
    expect(containerState(PROJECT, 'redis')).toBe('running');
    const r = await stack(['-f', FILE, 'up', '--detach', ...HEALTHY_SET], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/already running and healthy; not restarted/);
    expect(readOwner(state.paths)!.pid).not.toBe(old);
    expect(HEALTHY_SET.map((s) => startedAt(PROJECT, s))).toEqual(before);
  });
});

describe('stopping', () => {
  it('a supervisor whose state directory is deleted stops cleanly and leaves the services running', async () => {
    const pid = await supervised(HEALTHY_SET);
    rmSync(state.dir, { recursive: true, force: true });
    await until('supervisor gone', () => !alive(pid), 15_000);
    expect(containerState(PROJECT, 'redis')).toBe('running');
    expect(statusJson().supervisor).toBeNull();
    // and it can be supervised again
    const again = await supervised(HEALTHY_SET);
    expect(again).not.toBe(pid);
  });

  it('`stack down` finds and stops the supervisor even when its state files are gone', async () => {
    const pid = await supervised(HEALTHY_SET);
    process.kill(pid, 'SIGSTOP'); // frozen, it cannot notice the directory going
    rmSync(state.dir, { recursive: true, force: true });
    const r = await stack(['-f', FILE, 'down', '-t', '1'], env);
    expect(r.code, r.stderr).toBe(0);
    await until('supervisor gone', () => !alive(pid), 5_000);
    expect(projectContainers(PROJECT)).toEqual([]);
  });

  it('`stack down` stops the supervisor first and leaves nothing behind', async () => {
    const pid = await supervised(HEALTHY_SET);
    const r = await stack(['-f', FILE, 'down', '--volumes', '-t', '1'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/stopping `stack up --detach` \(pid \d+, supervising/);
    expect(alive(pid)).toBe(false);
    expect(projectContainers(PROJECT)).toEqual([]);
    expect(readOwner(state.paths)).toBeUndefined();
  });
});
