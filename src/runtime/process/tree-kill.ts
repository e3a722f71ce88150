/**
 * Stopping a host process with everything it started: the dev server's compilers, file watchers and workers
 * too. On POSIX each process runs in its own process group (spawned detached: setsid), so the whole group
 * gets SIGTERM, then, after the grace period, SIGKILL: no grandchild survives unless it left the group on
 * purpose (setsid/daemonize). On Windows the tree is found by parent pid: `taskkill /T` first (a console
 * program may ignore it), then `taskkill /T /F` after the grace period.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TreeKillOptions {
  graceMs: number;
  platform?: NodeJS.Platform;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Runs a command (Windows' taskkill); tests pass a recorder. */
  exec?: (file: string, args: string[]) => Promise<unknown>;
  /** Whether the tree still runs; default treeAlive. */
  alive?: (pid: number) => boolean;
}

/** The commands Windows runs: a polite tree kill, then a forced one. */
export function windowsKillCommands(pid: number): { graceful: [string, string[]]; force: [string, string[]] } {
  return { graceful: ['taskkill', ['/PID', String(pid), '/T']], force: ['taskkill', ['/PID', String(pid), '/T', '/F']] };
}

/** Whether a process (pid) or a process group (-pgid) exists: signal 0 delivers nothing, only checks. */
export function exists(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether anything of the tree rooted at `pid` still runs (POSIX: any member of its process group). */
export function treeAlive(pid: number, platform: NodeJS.Platform = process.platform): boolean {
  return exists(platform === 'win32' ? pid : -pid);
}

function signalTree(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

type Effects = Required<Pick<TreeKillOptions, 'sleep' | 'now' | 'exec' | 'alive'>>;

async function waitGone(pid: number, withinMs: number, o: Effects): Promise<boolean> {
  const until = o.now() + withinMs;
  for (;;) {
    if (!o.alive(pid)) return true;
    if (o.now() >= until) return false;
    await o.sleep(Math.min(50, Math.max(1, until - o.now())));
  }
}

/** Returns how the tree ended: `terminated` within the grace period, or `killed` after it. */
export async function killTree(pid: number, options: TreeKillOptions): Promise<'gone' | 'terminated' | 'killed'> {
  const platform = options.platform ?? process.platform;
  const o: Effects = {
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    now: options.now ?? Date.now,
    exec: options.exec ?? ((file, args) => run(file, args, { windowsHide: true })),
    alive: options.alive ?? ((p) => treeAlive(p, platform)),
  };
  if (!o.alive(pid)) return 'gone';
  if (platform === 'win32') {
    const { graceful, force } = windowsKillCommands(pid);
    await o.exec(...graceful).catch(() => undefined);
    if (await waitGone(pid, options.graceMs, o)) return 'terminated';
    await o.exec(...force).catch(() => undefined);
    await waitGone(pid, 5_000, o);
    return 'killed';
  }
  signalTree(pid, 'SIGTERM');
  if (await waitGone(pid, options.graceMs, o)) return 'terminated';
  signalTree(pid, 'SIGKILL');
  await waitGone(pid, 5_000, o);
  return 'killed';
}
