/**
 * Host processes and jobs in stack.yaml (loading, defaults, bad input with the key and exit 2), `${VAR}` in
 * their environment, and the pure parts of the process runtime: the start time that tells a reused pid apart
 * and the commands Windows' tree kill runs. The processes themselves run in test/integration/processes.test.ts.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { endpointRefs, interpolate } from '../../src/config/interpolate.js';
import { loadStack, missingSecrets } from '../../src/config/loader.js';
import { programOf } from '../../src/config/process-checks.js';
import { findProgram } from '../../src/core/which.js';
import { renderGraph } from '../../src/graph/render.js';
import { parseProcStat, processStartTime, startTimeCommand } from '../../src/runtime/process/start-time.js';
import { ProcessRuntime, type ProcessRecord, type ProcessStore } from '../../src/runtime/process/process-runtime.js';
import { killTree, windowsKillCommands } from '../../src/runtime/process/tree-kill.js';
import { until } from '../support/until.js';
import { formatProblem } from '../../src/report/problems.js';
import { systemProcesses } from '../../src/state/processes.js';
import { cli } from '../support/cli.js';
import { configProblems } from '../support/config.js';

const COMPOSE = 'services:\n  redis: { image: x }\n  db: { image: x }\n';

function stackDir(services: string, extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'processes-'));
  writeFileSync(join(dir, 'stack.yaml'), `version: 1\nname: p\ncompose: { files: [compose.yml] }\nservices:\n${services}${extra}`);
  writeFileSync(join(dir, 'compose.yml'), COMPOSE);
  mkdirSync(join(dir, 'app'));
  return dir;
}

const problems = (dir: string) => configProblems(dir, { PATH: process.env['PATH']! });

describe('a host process in stack.yaml', () => {
  const services = [
    '  redis: { probe: { type: redis, port: 6379 } }',
    '  migrate: { command: [node, -e, "process.exit(0)"], kind: job, depends_on: [redis] }',
    '  api:',
    '    command: node server.js',
    '    cwd: app',
    '    env: { REDIS_URL: "redis://127.0.0.1:${REDIS_PORT:-6379}", NAME: "$$literal" }',
    '    ports: [3000]',
    '    depends_on: [redis, migrate]',
    '    probe: { type: log, pattern: "listening on \\\\d+" }',
    '',
  ].join('\n');

  it('loads beside the containers: kind, cwd from stack.yaml, its own name as runtime key, jobs as completed dependencies', () => {
    const dir = stackDir(services);
    const { spec } = loadStack(join(dir, 'stack.yaml'), { env: { PATH: process.env['PATH']! }, cwd: dir });
    expect(spec.services['redis']).toMatchObject({ kind: 'container', job: false });
    expect(spec.services['api']).toMatchObject({
      kind: 'process',
      job: false,
      composeService: 'api',
      process: { command: 'node server.js', cwd: join(dir, 'app'), ports: [3000], env: { NAME: '$$literal' } },
      probe: { type: 'log', pattern: 'listening on \\d+' },
    });
    expect(spec.services['migrate']).toMatchObject({ kind: 'process', job: true, heal: null, process: { cwd: dir } });
    expect(spec.services['api']!.dependsOn).toEqual([
      { service: 'redis', condition: 'healthy' },
      { service: 'migrate', condition: 'completed' },
    ]);
    expect(renderGraph(spec.services, 'text')).toBe(
      'wave 0:\n  redis (redis)\nwave 1:\n  migrate (process job) ← redis\nwave 2:\n  api (process, log) ← redis, migrate (completed)\n',
    );
  });

  it('bad input names the key and the fix, all at once, and the CLI exits 2', async () => {
    const dir = stackDir(
      [
        '  redis: { probe: { type: redis, port: 6379 }, cwd: app }',
        '  a: { command: "definitely-not-a-program-xyz --flag", compose_service: db }',
        '  c: { command: [definitely-not-a-program-xyz], probe: { type: docker } }',
        '  d: { command: "true", kind: job, heal: { max_restarts: 3 }, probe: { type: tcp, port: 1 } }',
        '  e: { command: "true", probe: { type: log, pattern: "(unclosed" } }',
        '  f: { command: [./tool.sh], env_file: missing.env }',
        '',
      ].join('\n'),
    );
    const found = problems(dir);
    const expected = [
      /services\.redis\.cwd: "app" is only for a host process; add command:/,
      /services\.a\.compose_service: "db" a host process \(command:\) is not a compose service/,
      /services\.c\.probe\.type: "docker" a host process has no HEALTHCHECK/,
      /services\.d\.probe: .* a job has no probe/,
      /services\.d\.heal: .* a job is not healed/,
      /services\.e\.probe\.pattern: "\(unclosed" is not a valid regular expression/,
    ];
    for (const e of expected)
      expect(
        found.some((p) => e.test(p)),
        `${e} in\n${found.join('\n')}`,
      ).toBe(true);
    expect(found.every((p) => /^stack\.yaml:\d+:\d+ /.test(p))).toBe(true);

    // The schema passes: the machine is looked at (program on PATH, paths, env files).
    const machine = stackDir(
      [
        '  redis: {}',
        '  a: { command: "definitely-not-a-program-xyz --flag" }',
        '  b: { command: [./missing.sh] }',
        '  c: { command: "FOO=1 exec whatever" }',
        '  f: { command: [node], env_file: missing.env }',
        '  g: { command: [node], cwd: nowhere }',
        '  h: { command: [node], env: { A: "${redis.port:6379}", B: "${nosuch.host:1}" } }',
        '',
      ].join('\n'),
    );
    const got = problems(machine);
    expect(got).toEqual([
      expect.stringMatching(/services\.a\.command: "definitely-not-a-program-xyz" is not an executable program on PATH; install it, or give its path/),
      expect.stringMatching(/services\.b\.command: "\.\/missing\.sh" is not an executable program at \.\/missing\.sh/),
      expect.stringMatching(/services\.f\.env_file: env file missing\.env does not exist/),
      expect.stringMatching(/services\.g\.cwd: directory nowhere does not exist; create it or fix cwd/),
      expect.stringMatching(/services\.h\.env\.A: \$\{redis\.port:6379\}: h does not depend on redis, so it may start first; add redis to its depends_on/),
      expect.stringMatching(/services\.h\.env\.B: \$\{nosuch\.host:1\} names "nosuch", which is not a service in this file/),
    ]);
    const r = await cli(['-f', join(machine, 'stack.yaml'), 'validate'], { env: { PATH: process.env['PATH'] } });
    expect(r.code).toBe(EXIT.CONFIG_INVALID);
    expect(r.stderr).toMatch(/services\.a\.command/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unset ${VAR} in env is a warning for validate and refused by up', async () => {
    const dir = stackDir('  api: { command: [node], env: { DATABASE_URL: "postgres://app:${PG_PASSWORD}@127.0.0.1/app" } }\n');
    const { warnings } = loadStack(join(dir, 'stack.yaml'), { env: { PATH: process.env['PATH']! }, cwd: dir });
    expect(missingSecrets(warnings).map(formatProblem)).toEqual([
      expect.stringMatching(/services\.api\.env\.DATABASE_URL: uses PG_PASSWORD, which is not set in the environment or the env file/),
    ]);
    const up = await cli(['-f', join(dir, 'stack.yaml'), 'up'], { env: { PATH: process.env['PATH'] } });
    expect(up.code).toBe(EXIT.CONFIG_INVALID);
    expect(up.stderr).toMatch(/PG_PASSWORD/);
    expect(up.stderr).not.toMatch(/postgres:\/\/app:/); // the value around it is not shown either
  });
});

describe('${VAR} in a process environment', () => {
  const env = { HOST: 'db', EMPTY: '' };
  it.each([
    ['${HOST}:5432', 'db:5432'],
    ['$HOST/x', 'db/x'],
    ['${PORT:-5432}', '5432'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${PORT-7}', '7'],
    ['cost: $$5 and $5', 'cost: $5 and $5'], // $5 is not a name: kept as written
  ])('case %#: the template resolves as compose would', (template, value) => expect(interpolate(template, env)).toEqual({ ok: true, value }));
  it('resolves ${SERVICE.port:N} and ${SERVICE.host:N} from what the runtime says, and leaves them as written for validation', () => {
    const t = 'redis://${redis.host:6379}:${redis.port:6379}/0';
    expect(endpointRefs(t)).toEqual([
      { service: 'redis', what: 'host', port: 6379, text: '${redis.host:6379}' },
      { service: 'redis', what: 'port', port: 6379, text: '${redis.port:6379}' },
    ]);
    expect(interpolate(t, env, { '${redis.host:6379}': '127.0.0.1', '${redis.port:6379}': '49153' })).toEqual({ ok: true, value: 'redis://127.0.0.1:49153/0' });
    expect(interpolate(t, env)).toEqual({ ok: true, value: t });
  });
  it('names every unset variable once, and refuses a malformed substitution', () => {
    expect(interpolate('${A}${B}${A}', env)).toEqual({ ok: false, missing: ['A', 'B'] });
    expect(interpolate('${1BAD}', env)).toMatchObject({ ok: false, error: expect.stringMatching(/"\$\{1BAD\}" is not a valid substitution/) });
  });
});

describe('finding the program', () => {
  it('takes the first word of a shell command unless the shell runs it itself', () => {
    expect(programOf('npm run dev')).toBe('npm');
    expect(programOf(['./bin/worker', '--queue'])).toBe('./bin/worker');
    for (const c of ['cd app && npm start', 'exec node x', 'FOO=1 node x', '"quoted name" x', '(subshell)']) expect(programOf(c)).toBeUndefined();
  });
  it('looks a name up on PATH and a path relative to cwd; on Windows with PATHEXT', () => {
    const dir = mkdtempSync(join(tmpdir(), 'which-'));
    writeFileSync(join(dir, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(dir, 'plain'), 'not executable', { mode: 0o644 });
    writeFileSync(join(dir, 'win.CMD'.toLowerCase()), '@echo off\r\n');
    expect(findProgram('tool', '/', { PATH: `/nonexistent:${dir}` })).toBe(join(dir, 'tool'));
    expect(findProgram('./tool', dir, { PATH: '' })).toBe(join(dir, 'tool'));
    expect(findProgram('plain', '/', { PATH: dir })).toBeUndefined();
    expect(findProgram('win', '/', { Path: dir, PATHEXT: '.EXE;.CMD' }, 'win32')).toBe(join(dir, 'win.cmd'));
    expect(findProgram('win', '/', { PATH: dir })).toBeUndefined();
  });
});

describe('process identity and tree kill', () => {
  it("reads the start time from /proc/PID/stat, even when the program's name has spaces and parentheses", () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3)); // fields 3..52
    fields[19] = '987654'; // field 22
    expect(parseProcStat(`4242 (my (odd) name) ${fields.join(' ')}`)).toBe('ticks:987654');
    expect(parseProcStat('garbage')).toBeUndefined();
    expect(parseProcStat(`4242 (zombie) Z ${fields.slice(1).join(' ')}`)).toBeUndefined(); // exited, not reaped yet
  });
  it('tells this process from a pid that does not exist', async () => {
    const mine = await processStartTime(process.pid);
    expect(mine).toMatch(process.platform === 'linux' ? /^ticks:\d+$/ : /./);
    expect(await processStartTime(process.pid)).toBe(mine);
    expect(await processStartTime(2 ** 22 + 12345)).toBeUndefined();
  });
  it('asks ps on other Unixes and PowerShell on Windows', () => {
    expect(startTimeCommand(7, 'darwin')).toEqual(['ps', ['-o', 'lstart=', '-p', '7']]);
    expect(startTimeCommand(7, 'win32')).toEqual([
      'powershell.exe',
      ['-NoProfile', '-NonInteractive', '-Command', '(Get-Process -Id 7 -ErrorAction Stop).StartTime.ToFileTimeUtc()'],
    ]);
  });
  it('on Windows: taskkill /T, then /T /F once the grace period has passed', async () => {
    expect(windowsKillCommands(42)).toEqual({ graceful: ['taskkill', ['/PID', '42', '/T']], force: ['taskkill', ['/PID', '42', '/T', '/F']] });
    let now = 0;
    const ran: string[] = [];
    let alive = true;
    const options = {
      graceMs: 1_000,
      platform: 'win32' as const,
      now: () => now,
      sleep: async (ms: number) => void (now += ms),
      exec: async (file: string, args: string[]) => {
        ran.push(`${now} ${file} ${args.join(' ')}`);
        if (args.includes('/F')) alive = false;
      },
      alive: () => alive,
    };
    expect(await killTree(42, options)).toBe('killed');
    expect(ran).toEqual(['0 taskkill /PID 42 /T', '1000 taskkill /PID 42 /T /F']);
    // A tree that ends on the polite request is not forced.
    ran.length = 0;
    now = 0;
    alive = true;
    expect(await killTree(42, { ...options, exec: async (f, a) => void (ran.push(`${f} ${a.join(' ')}`), (alive = false)) })).toBe('terminated');
    expect(ran).toEqual(['taskkill /PID 42 /T']);
  });
});

describe('the process runtime with real processes (no engine)', () => {
  const store = (dir: string): ProcessStore & { records: Map<string, ProcessRecord> } => {
    const records = new Map<string, ProcessRecord>();
    return {
      records,
      logFile: (s) => join(dir, `${s}.log`),
      read: (s) => records.get(s),
      list: () => [...records.keys()],
      write: (s, r) => void records.set(s, r),
      remove: (s) => void records.delete(s),
    };
  };
  const spec = (dir: string, command: string | string[]) => ({ command, cwd: dir, env: {}, envFiles: [], ports: [] });
  const alive = (pid: number) => systemProcesses.alive(pid);

  it('starts, inspects, and stops with the exit code a signal gives; the output lands in the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procrt-'));
    const s = store(dir);
    const rt = new ProcessRuntime({ processes: { x: spec(dir, 'echo hello; exec sleep 30') }, env: { PATH: process.env['PATH']! }, store: s });
    await rt.start('x');
    expect(await rt.inspect('x')).toMatchObject({ state: 'running' });
    await until('the echo in the log', async () => (await rt.output('x')).includes('hello'), 5_000);
    await rt.stop('x', 5);
    expect(await rt.inspect('x')).toMatchObject({ state: 'exited', exitCode: 143 });
    expect(alive(s.records.get('x')!.pid)).toBe(false);
  });

  it('previews without touching, and stops and forgets a process the stack no longer defines (an orphan)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procrt-'));
    const s = store(dir);
    const before = new ProcessRuntime({
      processes: { x: spec(dir, ['sleep', '30']), gone: spec(dir, ['sleep', '30']) },
      env: { PATH: process.env['PATH']! },
      store: s,
    });
    await before.start('gone');
    const pid = s.records.get('gone')!.pid;
    // stack.yaml edited: `gone` taken out, x's command changed.
    const after = new ProcessRuntime({ processes: { x: spec(dir, ['sleep', '31']) }, env: { PATH: process.env['PATH']! }, store: s });
    await before.start('x');
    const xPid = s.records.get('x')!.pid;
    expect(await after.preview(['x'])).toEqual([{ service: 'x', via: 'process', action: 'recreated', reason: 'its definition changed' }]);
    expect(alive(xPid)).toBe(true); // a preview stops nothing
    expect(await after.orphans()).toEqual(['gone']);
    await after.removeOrphan('gone', 1);
    expect(alive(pid)).toBe(false);
    expect(s.records.has('gone')).toBe(false);
    expect(await after.orphans()).toEqual([]);
    await after.down();
    expect(alive(xPid)).toBe(false);
  });

  it('never signals a process that took over a recorded pid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procrt-'));
    // An unrelated program, leader of its own process group, whose pid a stale record happens to name.
    const other = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    await new Promise((r) => other.once('spawn', r));
    try {
      const s = store(dir);
      s.records.set('x', { pid: other.pid!, startTime: 'ticks:1', startedAt: '', definition: '', logOffset: 0 });
      const rt = new ProcessRuntime({ processes: { x: spec(dir, ['sleep', '30']) }, env: { PATH: process.env['PATH']! }, store: s });
      expect(await rt.inspect('x')).toMatchObject({ state: 'exited' }); // not ours
      await rt.stop('x', 1);
      await rt.down();
      expect(alive(other.pid!)).toBe(true);
    } finally {
      other.kill('SIGKILL');
    }
  });
});
