/**
 * One `up`, supervisor, `down` or `restart` per stack at a time, across terminals, IDE hooks and CI steps.
 * proper-lockfile holds the lock (kept fresh while the holder lives); owner.json says who holds it and what
 * it is doing, so a second command can report it and wait for or join that run. A holder that died
 * (SIGKILL, even if not yet reaped) is detected by its pid and its lock taken over at once.
 */
import { hostname } from 'node:os';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import type { StatePaths } from './paths.js';
import { ensurePrivateDir, writePrivateFile } from './private-files.js';
import { systemProcesses, type ProcessTable } from './processes.js';
import { ensureToken } from './token.js';

export type OwnerPhase = 'up' | 'supervising' | 'down' | 'restart';

export interface Owner {
  pid: number;
  host: string;
  command: string;
  phase: OwnerPhase;
  since: string;
  /** The supervisor's control and metrics server on 127.0.0.1. */
  controlPort?: number;
  /** Where the supervisor serves Prometheus metrics. */
  metrics?: string;
}

export interface HeldLock {
  owner: Owner;
  update(changes: Partial<Owner>): void;
  release(): Promise<void>;
}

export type LockAttempt = { acquired: true; lock: HeldLock } | { acquired: false; owner: Owner | undefined };

export function readOwner(paths: Pick<StatePaths, 'owner'>): Owner | undefined {
  try {
    const o = JSON.parse(readFileSync(paths.owner, 'utf8')) as Partial<Owner> | null;
    // A hand-edited or torn file is no owner at all, not a crash.
    if (
      !o ||
      typeof o.pid !== 'number' ||
      typeof o.host !== 'string' ||
      typeof o.command !== 'string' ||
      typeof o.phase !== 'string' ||
      typeof o.since !== 'string'
    ) {
      return undefined;
    }
    return o as Owner;
  } catch {
    return undefined;
  }
}

/** The owner when it is a live process on this host; a dead or zombie holder, or another host's, is not. */
export function liveOwner(paths: Pick<StatePaths, 'owner'>, procs: ProcessTable = systemProcesses): Owner | undefined {
  const owner = readOwner(paths);
  return owner && owner.host === hostname() && procs.alive(owner.pid) ? owner : undefined;
}

export async function tryLock(paths: StatePaths, command: string, phase: OwnerPhase, procs: ProcessTable = systemProcesses): Promise<LockAttempt> {
  ensurePrivateDir(paths.dir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const { default: lockfile } = await import('proper-lockfile'); // only commands that take the lock load it
      const release = await lockfile.lock(paths.dir, {
        lockfilePath: paths.lock,
        stale: 10_000,
        update: 2_000,
        realpath: false,
        onCompromised: () => {}, // a lost lock is reported by the next command's pid check, not by crashing
      });
      chmodSync(paths.lock, 0o700);
      const owner: Owner = { pid: process.pid, host: hostname(), command, phase, since: new Date().toISOString() };
      writePrivateFile(paths.owner, JSON.stringify(owner));
      // Whoever holds the lock may create containers, and a compose file may mount the token (STACK_TOKEN_FILE):
      // it must exist before then, or the engine would make a directory in its place.
      ensureToken(paths);
      return {
        acquired: true,
        lock: {
          owner,
          update(changes) {
            Object.assign(owner, changes);
            writePrivateFile(paths.owner, JSON.stringify(owner));
          },
          async release() {
            // Only our own record: after the state directory was removed, another run may own a new one.
            if (readOwner(paths)?.pid === owner.pid) rmSync(paths.owner, { force: true });
            await release().catch(() => {});
          },
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      const owner = readOwner(paths);
      // The holder is gone (killed, maybe not yet reaped): take the lock over now instead of waiting for it to go stale.
      if (attempt === 0 && owner && owner.host === hostname() && !procs.alive(owner.pid)) {
        rmSync(paths.lock, { recursive: true, force: true });
        continue;
      }
      return { acquired: false, owner };
    }
  }
  return { acquired: false, owner: readOwner(paths) };
}

/** SIGTERM to each pid (and SIGCONT, so a stopped one gets it too), then waits up to `timeoutMs` for all to be gone. */
export async function stopProcesses(pids: readonly number[], clock: Clock, procs: ProcessTable = systemProcesses, timeoutMs = 20_000): Promise<void> {
  for (const pid of pids) {
    procs.kill(pid, 'SIGTERM');
    procs.kill(pid, 'SIGCONT');
  }
  const deadline = clock.now() + timeoutMs;
  while (pids.some((p) => procs.alive(p)) && clock.now() < deadline) await clock.sleep(100);
}

export function describeOwner(owner: Owner | undefined): string {
  if (!owner) return 'another stack command';
  return `\`${owner.command}\` (pid ${owner.pid}, ${owner.phase} since ${owner.since.slice(11, 19)})`;
}
