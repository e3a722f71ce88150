/**
 * Changing a running stack, on the real engine: a chain store ← api ← web of tiny HTTP services in a stack the
 * test writes and edits. Each change: the dry run's exact text (`stack diff`), that the dry run touched
 * nothing, then that `up` changed only what it said — a changed service replaced and gated, a dependent with
 * `restart: true` restarted after it, orphans removed (or kept), and a failing new definition rolled back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, EXIT_WOULD_CHANGE } from '../../src/cli/exit-codes.js';
import { containerOf, docker, projectContainers, purge, stack, startedAt, testState } from '../support/docker.js';

const PROJECT = 'stack-test-reconcile';
const state = testState(PROJECT);
const dir = mkdtempSync(join(tmpdir(), 'stack-reconcile-'));
const FILE = join(dir, 'stack.yaml');
const env = { ...state.env, STACK_PROJECT_NAME: PROJECT, STACK_METRICS_ADDR: '' };

const service = (name: string, extra = '') =>
  [
    `  ${name}:`,
    '    image: local/stack-tiny:1',
    '    command: ["httpd", "-f", "-p", "8080", "-h", "/"]',
    '    ports: ["127.0.0.1::8080"]',
    '    stop_signal: SIGKILL',
    ...(extra ? [extra] : []),
  ].join('\n');

/** The stack's files: store ← api ← web, plus any extra services (each depending on store). */
function write(options: { storeEnv?: string; extra?: string[]; storeCommand?: string; restartApi?: boolean } = {}): void {
  const extra = options.extra ?? [];
  const storeExtra = [
    ...(options.storeEnv ? [`    environment: { MODE: "${options.storeEnv}" }`] : []),
    ...(options.storeCommand ? [`    entrypoint: ${options.storeCommand}`] : []),
  ].join('\n');
  writeFileSync(
    join(dir, 'compose.yml'),
    ['services:', service('store', storeExtra), service('api'), service('web'), ...extra.map((n) => service(n)), ''].join('\n'),
  );
  writeFileSync(
    FILE,
    [
      'version: 1',
      `name: ${PROJECT}`,
      'compose: { files: [compose.yml] }',
      'defaults: { probe: { interval: 100ms, timeout: 1s } }',
      'services:',
      '  store: { startup_timeout: 4s, probe: { type: tcp, port: 8080 } }',
      `  api: { depends_on: [${options.restartApi ? '{ service: store, restart: true }' : 'store'}], probe: { type: tcp, port: 8080 } }`,
      '  web: { depends_on: [api], probe: { type: tcp, port: 8080 } }',
      ...extra.map((n) => `  ${n}: { depends_on: [store], probe: { type: tcp, port: 8080 } }`),
      '',
    ].join('\n'),
  );
}

/** The exact text of a dry run whose steps are these lines (the count of changes is the steps that change something). */
function dryRun(...steps: string[]): string {
  const changes = steps.filter((l) => !/^ {2}(keep|skip|orphan) /.test(l)).length;
  return [`${PROJECT}: up would make ${changes} change${changes === 1 ? '' : 's'}, in this order (dry run; nothing was touched)`, ...steps, ''].join('\n');
}

const diff = (...args: string[]) => stack(['-f', FILE, 'diff', ...args], env);
const up = (...args: string[]) => stack(['-f', FILE, 'up', ...args], env);
const ids = () => Object.fromEntries(projectContainers(PROJECT).map((name) => [name, docker('inspect', '-f', '{{.Id}}', name)]));
const starts = (...services: string[]) => Object.fromEntries(services.map((s) => [s, startedAt(PROJECT, s)]));

beforeAll(async () => {
  purge(PROJECT);
  write();
}, 60_000);

afterAll(() => {
  purge(PROJECT);
  state.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('changing a running stack: stack diff (up --dry-run), then up', () => {
  it('on nothing: every service would be created, in start order; exit 8; nothing is made', async () => {
    const r = await diff();
    expect(r.code, r.stderr).toBe(EXIT_WOULD_CHANGE);
    expect(r.stdout).toBe(
      dryRun('  create   store     it does not exist yet', '  create   api       it does not exist yet', '  create   web       it does not exist yet'),
    );
    expect(projectContainers(PROJECT)).toEqual([]);
    // up --dry-run is the same command
    const dry = await up('--dry-run');
    expect([dry.code, dry.stdout]).toEqual([r.code, r.stdout]);
  });

  it('on the stack as up made it: nothing would change, exit 0', async () => {
    expect((await up()).code).toBe(EXIT.OK);
    const r = await diff('--json');
    expect(r.code).toBe(EXIT.OK);
    const doc = JSON.parse(r.stdout) as { changes: number; steps: { service: string; action: string }[] };
    expect(doc.changes).toBe(0);
    expect(doc.steps.map((s) => [s.service, s.action])).toEqual([
      ['store', 'keep'],
      ['api', 'keep'],
      ['web', 'keep'],
    ]);
  });

  it('an environment variable changed: only that service would be recreated, naming the variable but not its value', async () => {
    write({ storeEnv: 'secret-value-two' });
    const before = ids();
    const r = await diff();
    expect(r.code).toBe(EXIT_WOULD_CHANGE);
    expect(r.stdout).toBe(
      dryRun(
        '  recreate store     changed: environment (MODE)',
        '  keep     api       running with this definition',
        '  keep     web       running with this definition',
      ),
    );
    expect(r.stdout).not.toContain('secret-value-two');
    expect(ids()).toEqual(before);

    const was = starts('api', 'web');
    const store = containerOf(PROJECT, 'store');
    expect((await up()).code).toBe(EXIT.OK);
    expect(containerOf(PROJECT, 'store')).not.toBe(store);
    expect(starts('api', 'web')).toEqual(was);
    expect((await diff()).code).toBe(EXIT.OK);
  });

  it('a stopped service would be started', async () => {
    docker('stop', containerOf(PROJECT, 'web'));
    const r = await diff();
    expect(r.code).toBe(EXIT_WOULD_CHANGE);
    expect(r.stdout).toContain('  start    web       it is exited\n');
    expect((await up()).code).toBe(EXIT.OK);
    expect((await diff()).code).toBe(EXIT.OK);
  });

  it('a service added: only it would be created', async () => {
    write({ storeEnv: 'secret-value-two', extra: ['cache'] });
    const r = await diff();
    expect(r.stdout).toBe(
      dryRun(
        '  keep     store     running with this definition',
        '  keep     api       running with this definition',
        '  create   cache     it does not exist yet',
        '  keep     web       running with this definition',
      ),
    );
    const was = starts('store', 'api', 'web');
    expect((await up()).code).toBe(EXIT.OK);
    expect(starts('store', 'api', 'web')).toEqual(was);
    expect(projectContainers(PROJECT)).toHaveLength(4);
  });

  it('a service removed: an orphan, removed first by up (kept with --keep-orphans)', async () => {
    write({ storeEnv: 'secret-value-two' });
    const r = await diff();
    expect(r.code).toBe(EXIT_WOULD_CHANGE);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([
      `${PROJECT}: up would make 1 change, in this order (dry run; nothing was touched)`,
      '  remove   cache     no longer defined in the compose files or stack.yaml (an orphan); its volumes stay',
    ]);
    const kept = await diff('--keep-orphans');
    expect(kept.code).toBe(EXIT.OK);
    expect(kept.stdout).toContain('  orphan   cache     no longer defined; left as it is (--keep-orphans)');

    const keepUp = await up('--keep-orphans');
    expect(keepUp.code).toBe(EXIT.OK);
    expect(keepUp.stdout).toMatch(/cache\s+is an orphan \(no longer defined\) and was left as it is/);
    expect(projectContainers(PROJECT)).toHaveLength(4);

    const was = starts('store', 'api', 'web');
    const removing = await up();
    expect(removing.code).toBe(EXIT.OK);
    expect(removing.stdout).toMatch(/cache\s+removed: no longer defined/);
    expect(projectContainers(PROJECT)).toHaveLength(3);
    expect(starts('store', 'api', 'web')).toEqual(was);
    expect(state.records().some((x) => x.type === 'orphan' && x.service === 'cache' && x.action === 'removed')).toBe(true);
  });

  it('restart: true on an edge: the dependent is restarted after the replaced service passed its gate; the rest untouched', async () => {
    write({ storeEnv: 'three', restartApi: true });
    const before = starts('store', 'api', 'web');
    expect((await diff()).stdout).toBe(
      dryRun(
        '  recreate store     changed: environment (MODE)',
        '  restart  api       after store is recreated (restart: true)',
        '  keep     web       running with this definition',
      ),
    );
    const r = await up();
    expect(r.code, r.stdout + r.stderr).toBe(EXIT.OK);
    const after = starts('store', 'api', 'web');
    expect(after['store']).not.toBe(before['store']);
    expect(after['api']).not.toBe(before['api']);
    expect(after['api']! > after['store']!).toBe(true);
    expect(after['web']).toBe(before['web']);
    expect(r.stdout).toMatch(/store\s+healthy in .* \(recreated: changed: environment \(MODE\)\)/);
    expect(r.stdout).toMatch(/api\s+healthy in .* \(restarted after store\)/);
  });

  it('a new definition that fails its gate is rolled back: the previous container runs again, and up says so', async () => {
    const store = containerOf(PROJECT, 'store');
    const was = starts('api', 'web');
    write({ storeEnv: 'three', restartApi: true, storeCommand: '["sleep", "infinity"]' });
    const r = await up();
    expect(r.code).toBe(EXIT.GATE_FAILED);
    expect(r.stdout + r.stderr).toMatch(/rolled back to its previous container/);
    expect(containerOf(PROJECT, 'store')).toBe(store); // the same container, renamed back and started
    expect(docker('inspect', '-f', '{{.State.Running}} {{.Name}}', store)).toMatch(/^true \/[^ ]*store[^ ]*$/);
    expect(docker('inspect', '-f', '{{.Name}}', store)).not.toContain('stack-previous');
    expect(starts('api', 'web')).toEqual(was); // its dependents were not restarted
    expect(projectContainers(PROJECT)).toHaveLength(3); // nothing left aside
    const d = await diff();
    expect(d.stdout).toContain('  recreate store     changed: entrypoint'); // still what the files say
    write({ storeEnv: 'three', restartApi: true });
    expect((await diff()).code).toBe(EXIT.OK);
  });

  it('a container left aside by an interrupted replacement is removed by the next up', async () => {
    const store = containerOf(PROJECT, 'store');
    const name = docker('inspect', '-f', '{{.Name}}', store).replace(/^\//, '');
    docker('stop', '-t', '0', store);
    docker('rename', store, `${name}-stack-previous`); // as `up` leaves it when Ctrl-C hits during the new one's gate
    expect((await up()).code).toBe(EXIT.OK);
    const all = docker('ps', '-a', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--format', '{{.Names}}').split('\n');
    expect(all.filter((n) => n.endsWith('-stack-previous'))).toEqual([]);
    expect(all).toHaveLength(3);
  });

  it('an unknown service is refused with the services there are', async () => {
    const r = await diff('nope');
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/unknown service: nope/);
  });
});
