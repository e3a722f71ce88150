/**
 * The state directory: private modes whatever the umask, a lock whose holder is a zombie taken over, journal
 * lines of the wrong shape skipped and counted (never a crash), and nothing read leaves a trace.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/state/journal.js';
import { readOwner, tryLock } from '../../src/state/lock.js';
import { statePaths } from '../../src/state/paths.js';
import { systemProcesses } from '../../src/state/processes.js';
import { ensureToken } from '../../src/state/token.js';
import { cli } from '../support/cli.js';

const fresh = () => statePaths('', 'p', { STACK_STATE_DIR: join(mkdtempSync(join(tmpdir(), 'state-')), '.stack', 'p') });
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe('private state', () => {
  it('directories are 0700 and files 0600 even with a permissive umask', async () => {
    const old = process.umask(0o000);
    try {
      const paths = fresh();
      const attempt = await tryLock(paths, 'test', 'up');
      expect(attempt.acquired).toBe(true);
      new Journal(paths.journal).append({ type: 'engine', at: 1, connected: true });
      ensureToken(paths);
      expect(mode(paths.dir)).toBe('700');
      expect(mode(join(paths.dir, '..'))).toBe('700'); // .stack/ itself
      expect(mode(paths.lock)).toBe('700');
      for (const f of [paths.owner, paths.journal, paths.token]) expect([f, mode(f)]).toEqual([f, '600']);
      if (attempt.acquired) await attempt.lock.release();
    } finally {
      process.umask(old);
    }
  });

  it('the token is random, kept across reads, and made again when its file is gone', () => {
    const paths = fresh();
    const a = ensureToken(paths);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(ensureToken(paths)).toBe(a);
    expect(ensureToken(fresh())).not.toBe(a);
  });

  it('reading state creates nothing', () => {
    const paths = fresh();
    expect(new Journal(paths.journal).read()).toEqual({ records: [], malformed: 0 });
    expect(readOwner(paths)).toBeUndefined();
    expect(existsSync(paths.dir)).toBe(false);
  });
});

describe('a lock held by a zombie', () => {
  it('is not alive, and its lock is taken over at once', async () => {
    // `sleep 0.05` exits and stays a zombie: its parent execs into `sleep 30`, which never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0.05 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const zombie = Number(await new Promise<string>((r) => parent.stdout.once('data', (d: Buffer) => r(d.toString()))));
    await new Promise((r) => setTimeout(r, 300));
    try {
      expect(() => process.kill(zombie, 0)).not.toThrow(); // the kernel still has it…
      expect(systemProcesses.alive(zombie)).toBe(false); // …but it is dead
      const paths = fresh();
      const first = await tryLock(paths, 'killed supervisor', 'supervising');
      expect(first.acquired).toBe(true);
      writeFileSync(paths.owner, JSON.stringify({ pid: zombie, host: hostname(), command: 'x', phase: 'supervising', since: new Date().toISOString() }));
      const second = await tryLock(paths, 'stack up', 'up');
      expect(second.acquired).toBe(true);
      if (second.acquired) await second.lock.release();
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('journal lines of the wrong shape', () => {
  const lines = [
    'null',
    '{}',
    '[1,2]',
    '"text"',
    JSON.stringify({ ts: 'x', pid: 1, type: 'backoff', at: 5, service: 'db', attempt: 1, delayMs: 100, nextAt: 'soon' }),
    JSON.stringify({ ts: 'x', pid: 1, type: 'failure', at: 5, report: null }),
    JSON.stringify({ ts: 'x', pid: 1, type: 'no-such-type', at: 5 }),
    '{"torn": ',
  ];
  const good = { ts: '2026-01-01T00:00:00.000Z', pid: 1, type: 'restart', at: 1_767_225_600_000, service: 'db', attempt: 1, why: 'heal' };

  it('are skipped and counted by the reader', () => {
    const paths = fresh();
    const journal = new Journal(paths.journal);
    journal.append({ type: 'engine', at: 1, connected: true }); // makes the directory
    writeFileSync(paths.journal, [JSON.stringify(good), ...lines, JSON.stringify(good)].join('\n') + '\n');
    const read = journal.read();
    expect(read.malformed).toBe(lines.length);
    expect(read.records).toEqual([good, good]);
  });

  it('do not make `stack events` fail: it prints the good ones and says how many it skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'events-'));
    writeFileSync(join(dir, 'events.jsonl'), [JSON.stringify(good), ...lines].join('\n') + '\n');
    const r = await cli(['-f', 'test/fixtures/valid/stack.yaml', 'events'], { env: { STACK_STATE_DIR: dir } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/db +restarting/);
    expect(r.stderr).toContain(`skipped ${lines.length} malformed lines`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
