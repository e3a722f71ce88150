/**
 * Host processes beside a real Redis container, through the real CLI: ordering and gating (log probe), a job
 * that runs once per definition, `status`/`logs`/`env`, `restart` and `down` killing whole process trees,
 * a failing job, and the supervisor healing a killed process, opening the breaker on a crash loop and
 * adopting processes after it was itself SIGKILLed. Processes are checked in the process table.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import type { JournalRecord } from '../../src/state/journal.js';
import { readOwner } from '../../src/state/lock.js';
import { systemProcesses } from '../../src/state/processes.js';
import { containerOf, docker, purge, stack, startedAt, testState } from '../support/docker.js';
import { until } from '../support/until.js';

const PROJECT = 'stack-test-processes';
const FILE = 'test/fixtures/processes/stack.yaml';
const state = testState(PROJECT);
const work = mkdtempSync(join(tmpdir(), 'stack-processes-'));
const MARKS = join(work, 'marks');
const TREE_PIDS = join(work, 'tree-pids');
let env: Record<string, string>;
let port: number;

const alive = (pid: number) => systemProcesses.alive(pid);
const runs = () => readFileSync(MARKS, 'utf8').trim().split('\n').length;
const treePids = () => readFileSync(TREE_PIDS, 'utf8').trim().split('\n').map(Number);
const pidOf = (service: string) => JSON.parse(readFileSync(join(state.dir, 'processes', `${service}.json`), 'utf8')).pid as number;
const since = (from: number) => state.records().filter((r) => r.at >= from);
const serviceEvents = (from: number) => since(from).filter((r): r is Extract<JournalRecord, { type: 'service' }> => r.type === 'service');
const at = (from: number, service: string, s: string) => serviceEvents(from).find((r) => r.service === service && r.state === s)?.at ?? Infinity;

async function statusJson(): Promise<{ supervisor: { pid: number } | null; services: { name: string; state: string; health: string }[] }> {
  return JSON.parse((await stack(['-f', FILE, 'status', '--json'], env)).stdout);
}
const health = async (service: string) => (await statusJson()).services.find((s) => s.name === service);

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port: p } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return p;
}

async function get(url: string): Promise<string> {
  const res = await fetch(url);
  return res.text();
}

beforeAll(async () => {
  purge(PROJECT);
  port = await freePort();
  writeFileSync(MARKS, '');
  writeFileSync(TREE_PIDS, '');
  env = { ...state.env, API_PORT: String(port), MARKS, TREE_PIDS };
});

afterAll(async () => {
  await stack(['-f', FILE, 'down', '-t', '1'], env);
  for (const pid of readFileSync(TREE_PIDS, 'utf8').trim().split('\n').filter(Boolean).map(Number)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  purge(PROJECT);
  state.remove();
  rmSync(work, { recursive: true, force: true });
});

describe('host processes in the graph (no supervisor)', () => {
  it('up starts each after its dependencies, gates it on its log line, and runs the job first', async () => {
    const from = Date.now();
    const r = await stack(['-f', FILE, 'up', 'tree'], env);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(at(from, 'redis', 'healthy')).toBeLessThanOrEqual(at(from, 'migrate', 'starting'));
    expect(at(from, 'migrate', 'completed')).toBeLessThanOrEqual(at(from, 'api', 'starting'));
    expect(at(from, 'seed', 'completed')).toBeLessThanOrEqual(at(from, 'api', 'starting')); // a job in a container
    expect(at(from, 'api', 'healthy')).toBeLessThanOrEqual(at(from, 'tree', 'starting'));
    expect(at(from, 'tree', 'healthy')).toBeLessThan(Infinity);
    expect(runs()).toBe(1);
    // The process runs with its env resolved (API_PORT, a default, redis's random published port) and
    // outlives the `up` that started it.
    const redisPort = docker('port', containerOf(PROJECT, 'redis'), '6379').split('\n')[0]!.split(':').at(-1);
    expect(await get(`http://127.0.0.1:${port}/`)).toMatch(new RegExp(`^hello from \\S+ pid \\d+ redis 127\\.0\\.0\\.1:${redisPort}$`, 'm'));
  });

  it('status, logs and env show the processes', async () => {
    const s = await statusJson();
    expect(s.services.find((x) => x.name === 'api')).toMatchObject({ state: 'running', health: 'healthy' });
    expect(s.services.find((x) => x.name === 'migrate')).toMatchObject({ state: 'exited', health: 'completed' });
    expect(s.services.find((x) => x.name === 'redis')).toMatchObject({ state: 'running', health: 'healthy' });
    const logs = await stack(['-f', FILE, 'logs', 'api'], env);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain(`listening on ${port}`);
    // Records and logs are private: files 0600 under 0700 directories.
    const mode = (p: string) => statSync(join(state.dir, p)).mode & 0o777;
    expect([mode('logs'), mode('processes'), mode('logs/api.log'), mode('processes/api.json')]).toEqual([0o700, 0o700, 0o600, 0o600]);
    const job = await stack(['-f', FILE, 'logs', 'migrate'], env);
    expect(job.stdout).toMatch(/migrating…\nmigration ends with 0/);
    const e = await stack(['-f', FILE, 'env', 'api'], env);
    expect(e.stdout).toContain('API_URL=http://127.0.0.1:3000');
  });

  it('a second up restarts nothing and does not run the completed job again; --rerun-jobs does', async () => {
    const api = pidOf('api');
    const seeded = startedAt(PROJECT, 'seed');
    const r = await stack(['-f', FILE, 'up', 'tree'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/migrate.*completed earlier with this definition; not run again/);
    expect(runs()).toBe(1);
    expect(pidOf('api')).toBe(api);
    expect(startedAt(PROJECT, 'seed')).toBe(seeded);
    expect(r.stdout + r.stderr).toMatch(/seed.*completed earlier with this definition/);
    const again = await stack(['-f', FILE, 'up', 'migrate', '--rerun-jobs'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(runs()).toBe(2);
  });

  it('restart replaces the process; nothing of the old one is left', async () => {
    // api's command is a string: its recorded pid is the shell's, the server (the pid it answers with) its child.
    const old = [pidOf('api'), Number(/pid (\d+)/.exec(await get(`http://127.0.0.1:${port}/`))![1])];
    const r = await stack(['-f', FILE, 'restart', 'api'], env);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(pidOf('api')).not.toBe(old[0]);
    expect(old.filter(alive)).toEqual([]);
    expect(Number(/pid (\d+)/.exec(await get(`http://127.0.0.1:${port}/`))![1])).not.toBe(old[1]);
  });

  it('restart of a process tree leaves none of the old tree, grandchildren included', async () => {
    const old = treePids();
    expect(old).toHaveLength(3); // leader, child, grandchild
    expect(old.every(alive)).toBe(true);
    writeFileSync(TREE_PIDS, '');
    const r = await stack(['-f', FILE, 'restart', 'tree'], env);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(old.filter(alive)).toEqual([]);
    expect(treePids()).toHaveLength(3);
  });

  it('down stops dependents first and kills whole trees, SIGKILL after the grace period for those ignoring SIGTERM', async () => {
    const tree = treePids();
    expect(tree).toHaveLength(3); // leader, child, grandchild
    expect(tree.every(alive)).toBe(true);
    const api = pidOf('api');
    const from = Date.now();
    const r = await stack(['-f', FILE, 'down', '-t', '1'], env);
    expect(r.code, r.stderr).toBe(0);
    const stops = since(from).filter((x): x is Extract<JournalRecord, { type: 'stop' }> => x.type === 'stop' && x.phase === 'begin');
    const order = stops.map((x) => x.service);
    expect(order.indexOf('tree')).toBeLessThan(order.indexOf('api'));
    expect(order.indexOf('api')).toBeLessThan(order.indexOf('redis'));
    const treeStop = since(from).filter((x): x is Extract<JournalRecord, { type: 'stop' }> => x.type === 'stop' && x.service === 'tree');
    expect(treeStop[1]!.at - treeStop[0]!.at).toBeGreaterThanOrEqual(900); // it ignored SIGTERM for the grace period
    expect(tree.filter(alive)).toEqual([]);
    expect(alive(api)).toBe(false);
    expect((await statusJson()).services.find((x) => x.name === 'api')).toMatchObject({ state: 'absent' });
    // down forgets completed jobs, as it removes job containers: the next up runs the job again.
  });

  it('a job that exits 3 fails up with its exit code and last lines; what depends on it is not started', async () => {
    const r = await stack(['-f', FILE, 'up', 'api', '--json'], { ...env, MIGRATE_EXIT: '3' });
    expect(r.code).toBe(EXIT.DEPENDENCY_FAILED); // what was asked for (api) was not started
    const doc = JSON.parse(r.stdout);
    const failure = doc.failures.find((f: { service: string }) => f.service === 'migrate');
    expect(failure).toMatchObject({ kind: 'completed-nonzero', runsAs: 'process', reason: expect.stringMatching(/exited with code 3/) });
    expect(failure.logs.join('\n')).toMatch(/migration ends with 3/);
    expect(failure.notStarted).toContain('api');
    expect(doc.services.find((s: { name: string }) => s.name === 'api')).toMatchObject({ state: 'skipped' });
    await stack(['-f', FILE, 'down', '-t', '1'], env);
  });
});

describe('host processes under the supervisor', () => {
  it('heals a SIGKILLed process, opens the breaker on a crash loop, and leaves the rest alone', async () => {
    const r = await stack(['-f', FILE, 'up', '--detach', 'api', 'crashy'], env);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const api = pidOf('api');
    const from = Date.now();
    process.kill(api, 'SIGKILL');
    await until('api healed: healthy under a new pid', async () => (await health('api'))?.health === 'healthy' && pidOf('api') !== api, 20_000);
    const detected = since(from).find((x): x is Extract<JournalRecord, { type: 'detected' }> => x.type === 'detected' && x.service === 'api');
    expect(detected?.reason).toMatch(/exited with code 137 \(killed with signal SIGKILL\)/);
    expect(since(from).some((x) => x.type === 'recovered' && x.service === 'api')).toBe(true);
    // crashy exits 1.5 s after each start: two restarts are its budget, then the breaker opens.
    await until('the breaker of crashy', () => state.records().some((x) => x.type === 'breaker' && x.service === 'crashy' && x.open), 30_000);
    expect(state.records().filter((x) => x.type === 'restart' && x.service === 'crashy')).toHaveLength(2);
    expect(since(from).filter((x) => x.type === 'restart' && x.service === 'redis')).toEqual([]);
  });

  it('processes outlive a SIGKILLed supervisor; the next up --detach adopts them without a restart and heals them', async () => {
    const api = pidOf('api');
    const supervisor = readOwner(state.paths)!.pid;
    process.kill(supervisor, 'SIGKILL');
    await until('the supervisor gone', () => !alive(supervisor), 5_000);
    expect(alive(api)).toBe(true);
    const r = await stack(['-f', FILE, 'up', '--detach', 'api'], env);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(pidOf('api')).toBe(api);
    // The new supervisor is not the process's parent: it notices the exit by looking, and says the code is unknown.
    const from = Date.now();
    process.kill(api, 'SIGKILL');
    try {
      await until('api healed: healthy under a new pid', async () => (await health('api'))?.health === 'healthy' && pidOf('api') !== api, 20_000);
    } catch (e) {
      console.log(readFileSync(join(state.dir, 'supervisor.log'), 'utf8').slice(-3000), JSON.stringify(await statusJson()), pidOf('api'), api);
      throw e;
    }
    const detected = since(from).find((x): x is Extract<JournalRecord, { type: 'detected' }> => x.type === 'detected' && x.service === 'api');
    expect(detected?.reason).toMatch(/exit code is unknown/);
    const healed = pidOf('api');
    const down = await stack(['-f', FILE, 'down', '-t', '1'], env);
    expect(down.code, down.stderr).toBe(0);
    expect(alive(healed)).toBe(false);
  });
});
