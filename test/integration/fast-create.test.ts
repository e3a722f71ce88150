/**
 * The fast path against compose itself, on the real engine: the same compose file created once by compose and
 * once by `stack` (through the engine API) must give the same containers, field by field; compose must see
 * ours as its own (`ps` lists them, `up --no-start` recreates nothing); the model cache must spare every compose
 * process until something it depends on changes; and what the fast path does not translate goes to compose.
 */
import { appendFileSync, chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateReport } from '../../src/runtime/types.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import type { ModelStore } from '../../src/runtime/model-cache.js';
import { containerOf, purge } from '../support/docker.js';

const BY_COMPOSE = 'stack-test-keys-compose';
const BY_STACK = 'stack-test-keys-stack';
const CACHED = 'stack-test-keys-cache';
const FALLBACK = 'stack-test-fallback';
const work = mkdtempSync(join(os.tmpdir(), 'stack-fast-create-'));

/** A copy of a fixture directory, so a test can edit its compose file. */
function fixture(name: string, as = name): string {
  const dir = join(work, as);
  const copy = (from: string, to: string) => {
    mkdirSync(to, { recursive: true });
    for (const entry of execFileSync('ls', ['-A', from], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
      const src = join(from, entry);
      if (execFileSync('stat', ['-c', '%F', src], { encoding: 'utf8' }).startsWith('directory')) copy(src, join(to, entry));
      else copyFileSync(src, join(to, entry));
    }
  };
  copy(resolve('test/fixtures/compose', name), dir);
  return dir;
}

/** `docker-compose` on PATH, wrapped so that every call is counted. */
const shim = join(work, 'bin');
const calls = join(work, 'compose-calls.log');
let shimmed = false;
function composeShim(): string {
  if (shimmed) return `${shim}:${process.env['PATH']}`;
  shimmed = true;
  mkdirSync(shim, { recursive: true });
  const real = execFileSync('sh', ['-c', 'command -v docker-compose'], { encoding: 'utf8' }).trim();
  writeFileSync(join(shim, 'docker-compose'), `#!/bin/sh\necho "$*" >> ${calls}\nexec ${real} "$@"\n`);
  chmodSync(join(shim, 'docker-compose'), 0o755);
  return `${shim}:${process.env['PATH']}`;
}
const composeCalls = (): string[] => {
  try {
    return readFileSync(calls, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

function memoryStore(): ModelStore & { text?: string } {
  const store: ModelStore & { text?: string } = { read: () => store.text, write: (t) => void (store.text = t) };
  return store;
}

const env = (extra: Record<string, string> = {}) => ({ PATH: composeShim(), STACK_COMPOSE: 'v1', ...extra });
const runtimeFor = (project: string, dir: string, store: ModelStore = memoryStore(), extra: Record<string, string> = {}) =>
  new DockerRuntime({ name: project, files: [join(dir, 'compose.yml')], cwd: dir, env: env(extra) }, env(extra), { modelStore: store });

const compose = (project: string, dir: string, ...args: string[]) =>
  execFileSync('docker-compose', ['-p', project, '-f', join(dir, 'compose.yml'), ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const inspect = (id: string) => JSON.parse(execFileSync('docker', ['inspect', id], { encoding: 'utf8' }))[0];

/** What compose decides about a container, with the project name taken out. */
function comparable(project: string, id: string): Record<string, unknown> {
  const c = inspect(id);
  const strip = (v: unknown) => JSON.parse(JSON.stringify(v ?? null).replaceAll(project, 'PROJECT'));
  const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, strip(o[k])]));
  const config = pick(c.Config, [
    'Cmd',
    'Entrypoint',
    'ExposedPorts',
    'Healthcheck',
    'User',
    'WorkingDir',
    'Labels',
    'StopSignal',
    'StopTimeout',
    'Tty',
    'OpenStdin',
    'Volumes',
    'Image',
    'Domainname',
  ]);
  config['Env'] = [...((c.Config.Env as string[] | null) ?? [])].sort();
  // compose's hash covers the project's network names, so it differs between two projects; that ours equals
  // compose's for the same project is what `up --no-start recreates nothing` checks.
  delete (config['Labels'] as Record<string, string>)['com.docker.compose.config-hash'];
  if (c.Config.Hostname !== c.Id.slice(0, 12)) config['Hostname'] = c.Config.Hostname; // else the engine's default
  const host = pick(c.HostConfig, [
    'Binds',
    'PortBindings',
    'RestartPolicy',
    'LogConfig',
    'CapAdd',
    'CapDrop',
    'ExtraHosts',
    'Tmpfs',
    'Mounts',
    'Init',
    'ShmSize',
    'Memory',
    'NanoCpus',
    'Ulimits',
    'Privileged',
    'ReadonlyRootfs',
    'NetworkMode',
    'Devices',
  ]);
  // Order carries no meaning in either list (compose v1 builds them from sets).
  for (const k of ['Binds', 'Mounts']) if (Array.isArray(host[k])) host[k] = (host[k] as unknown[]).map((x) => JSON.stringify(x)).sort();
  return { name: strip(c.Name), config, host, mounts: strip((c.Mounts as { Destination: string }[]).map((m) => m.Destination).sort()) };
}

/** Networks and aliases of a started container (the engine's own short-id alias left out). */
function networksOf(project: string, id: string): Record<string, string[]> {
  const c = inspect(id);
  return Object.fromEntries(
    Object.entries(c.NetworkSettings.Networks as Record<string, { Aliases: string[] | null }>).map(([name, n]) => [
      name.replaceAll(project, 'PROJECT'),
      (n.Aliases ?? []).filter((a) => a !== c.Id.slice(0, 12)).sort(),
    ]),
  );
}

const KEYS_SERVICES = ['everything', 'env-list', 'plain', 'two-networks'];
let keysDir: string;

beforeAll(() => {
  for (const p of [BY_COMPOSE, BY_STACK, CACHED, FALLBACK]) purge(p);
  keysDir = fixture('keys');
});

afterAll(() => {
  for (const p of [BY_COMPOSE, BY_STACK, CACHED, FALLBACK]) purge(p);
  execFileSync('docker', ['image', 'rm', '-f', 'local/stack-test-fallback-built:never-built'], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
});

describe('the fast path creates what compose would', () => {
  it('gives every whitelisted key the same container config as compose', async () => {
    compose(BY_COMPOSE, keysDir, 'up', '--no-start');
    const reports = await runtimeFor(BY_STACK, keysDir).create(KEYS_SERVICES);
    expect(reports.map((r) => [r.service, r.via, r.action]).sort()).toEqual(KEYS_SERVICES.map((s) => [s, 'api', 'created']).sort());
    for (const service of KEYS_SERVICES) {
      const ours = comparable(BY_STACK, containerOf(BY_STACK, service));
      const theirs = comparable(BY_COMPOSE, containerOf(BY_COMPOSE, service));
      expect({ service, ...ours }).toEqual({ service, ...theirs });
    }
  });

  it('joins the same networks with the same aliases', async () => {
    compose(BY_COMPOSE, keysDir, 'start', 'two-networks', 'plain');
    const runtime = runtimeFor(BY_STACK, keysDir);
    await runtime.start('two-networks');
    await runtime.start('plain');
    for (const service of ['two-networks', 'plain']) {
      expect(networksOf(BY_STACK, containerOf(BY_STACK, service))).toEqual(networksOf(BY_COMPOSE, containerOf(BY_COMPOSE, service)));
    }
    expect(Object.keys(networksOf(BY_STACK, containerOf(BY_STACK, 'two-networks'))).sort()).toEqual(['PROJECT_back', 'PROJECT_front']);
  });

  it('is seen by compose as its own: `ps` lists every service and `up --no-start` recreates nothing', () => {
    const before = KEYS_SERVICES.map((s) => containerOf(BY_STACK, s));
    const ps = compose(BY_STACK, keysDir, 'ps');
    for (const s of KEYS_SERVICES) expect(ps).toContain(`${BY_STACK}_${s}_1`);
    const out = execFileSync('docker-compose', ['-p', BY_STACK, '-f', join(keysDir, 'compose.yml'), 'up', '--no-start'], {
      cwd: keysDir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).not.toMatch(/Recreating/);
    expect(KEYS_SERVICES.map((s) => containerOf(BY_STACK, s))).toEqual(before);
  });
});

describe('the model cache', () => {
  let dir: string;
  const store = memoryStore();
  const actions = (reports: CreateReport[]) => Object.fromEntries(reports.map((r) => [r.service, r.action]));

  beforeAll(() => {
    dir = fixture('keys', 'keys-cache');
  });

  it('spares every compose process when nothing changed, and keeps unchanged containers', async () => {
    await runtimeFor(CACHED, dir, store).create(KEYS_SERVICES);
    const first = composeCalls().length;
    expect(first).toBeGreaterThan(0); // a miss asks compose
    const again = await runtimeFor(CACHED, dir, store).create(KEYS_SERVICES);
    expect(composeCalls()).toHaveLength(first);
    expect(actions(again)).toEqual(Object.fromEntries(KEYS_SERVICES.map((s) => [s, 'kept'])));
  });

  it('misses when a compose file changes, and recreates only the changed service', async () => {
    const file = join(dir, 'compose.yml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('command: sleep 1000', 'command: sleep 1001'));
    const before = composeCalls().length;
    const plainId = containerOf(CACHED, 'plain');
    const reports = await runtimeFor(CACHED, dir, store).create(KEYS_SERVICES);
    expect(composeCalls().length).toBeGreaterThan(before);
    expect(actions(reports)).toMatchObject({ 'env-list': 'recreated', plain: 'kept', everything: 'kept' });
    expect(reports.find((r) => r.service === 'env-list')!.reason).toBe('changed: command');
    expect(containerOf(CACHED, 'plain')).toBe(plainId);
    expect(inspect(containerOf(CACHED, 'env-list')).Config.Cmd).toEqual(['sleep', '1001']);
  });

  it('misses when the env file or an interpolated variable changes', async () => {
    await runtimeFor(CACHED, dir, store).create(KEYS_SERVICES);
    let before = composeCalls().length;
    appendFileSync(join(dir, 'vars.env'), 'MORE=1\n');
    const afterEnvFile = await runtimeFor(CACHED, dir, store).create(KEYS_SERVICES);
    expect(composeCalls().length).toBeGreaterThan(before);
    expect(actions(afterEnvFile)['everything']).toBe('recreated');
    expect(inspect(containerOf(CACHED, 'everything')).Config.Env).toContain('MORE=1');

    before = composeCalls().length;
    const afterVariable = await runtimeFor(CACHED, dir, store, { KEYS_INTERPOLATED: 'changed' }).create(KEYS_SERVICES);
    expect(composeCalls().length).toBeGreaterThan(before);
    expect(actions(afterVariable)['everything']).toBe('recreated');
    // The variable is named, its value is not shown (environment values may be secrets).
    const why = afterVariable.find((r) => r.service === 'everything')!.reason!;
    expect(why).toBe('changed: environment (INTERPOLATED)');
    expect(inspect(containerOf(CACHED, 'everything')).Config.Env).toContain('INTERPOLATED=changed');
  });
});

describe('what the fast path does not translate', () => {
  it('goes to compose (build without an image, secrets), next to services created through the API', async () => {
    const dir = fixture('fallback');
    const reports = await runtimeFor(FALLBACK, dir).create(['built', 'with-secret', 'plain']);
    const by = Object.fromEntries(reports.map((r) => [r.service, r]));
    expect(by['plain']).toMatchObject({ via: 'api', action: 'created' });
    expect(by['built']).toMatchObject({ via: 'compose' });
    expect(by['built']!.reason).toMatch(/not on this engine/);
    expect(by['with-secret']).toMatchObject({ via: 'compose', reason: 'uses secrets' });
    for (const s of ['built', 'with-secret', 'plain']) expect(containerOf(FALLBACK, s)).not.toBe('');
  });
});
