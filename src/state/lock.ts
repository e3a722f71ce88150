/**
 * One `up`, supervisor, `down` or `restart` per stack at a time, across terminals, IDE hooks and CI steps.
 * proper-lockfile holds the lock (kept fresh while the holder lives); owner.json says who holds it and what
 * it is doing, so a second command can report it and wait for or join that run. A holder that died
 * (SIGKILL) is detected by its pid and its lock taken over at once.
 */
import { hostname } from 'node:os';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import lockfile from 'proper-lockfile';
import type { StatePaths } from './paths.js';

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

export function readOwner(paths: StatePaths): Owner | undefined {
  try {
    return JSON.parse(readFileSync(paths.owner, 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function tryLock(paths: StatePaths, command: string, phase: OwnerPhase): Promise<LockAttempt> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const release = await lockfile.lock(paths.dir, {
        lockfilePath: paths.lock,
        stale: 10_000,
        update: 2_000,
        realpath: false,
        onCompromised: () => {}, // a lost lock is reported by the next command's pid check, not by crashing
      });
      const owner: Owner = { pid: process.pid, host: hostname(), command, phase, since: new Date().toISOString() };
      writeFileSync(paths.owner, JSON.stringify(owner));
      return {
        acquired: true,
        lock: {
          owner,
          update(changes) {
            Object.assign(owner, changes);
            writeFileSync(paths.owner, JSON.stringify(owner));
          },
          async release() {
            rmSync(paths.owner, { force: true });
            await release().catch(() => {});
          },
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      const owner = readOwner(paths);
      // The holder is gone (killed): take the lock over now instead of waiting for it to go stale.
      if (attempt === 0 && owner && owner.host === hostname() && !alive(owner.pid)) {
        rmSync(paths.lock, { recursive: true, force: true });
        continue;
      }
      return { acquired: false, owner };
    }
  }
  return { acquired: false, owner: readOwner(paths) };
}

/** Asks whoever holds the lock on this host (a supervisor, an up) to stop, and waits up to `timeoutMs` for it to exit. */
export async function stopHolder(paths: StatePaths, timeoutMs = 20_000): Promise<Owner | undefined> {
  const owner = readOwner(paths);
  if (!owner || owner.host !== hostname() || !alive(owner.pid)) return undefined;
  process.kill(owner.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive(owner.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return owner;
}

export function describeOwner(owner: Owner | undefined): string {
  if (!owner) return 'another stack command';
  return `\`${owner.command}\` (pid ${owner.pid}, ${owner.phase} since ${owner.since.slice(11, 19)})`;
}
