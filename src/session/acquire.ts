/**
 * Taking a stack for a command, written once for the CLI and the API: the stack's lock, or — when another
 * run holds it — waiting for it until it is free, or until that run supervises the stack (which a plain
 * `up` then joins instead of starting a second run). A holder that stops a supervisor is `down`.
 */
import type { Clock } from '../core/clock.js';
import { BusyError, InterruptedError } from '../core/errors.js';
import { describeOwner, liveOwner, stopProcesses, tryLock, type HeldLock, type Owner, type OwnerPhase } from '../state/lock.js';
import type { StatePaths } from '../state/paths.js';
import { systemProcesses, type ProcessTable } from '../state/processes.js';

/** How long a command waits for another run before it gives up (exit 7), and how often it looks. */
export const LOCK_WAIT_LIMIT_MS = 15 * 60_000;
export const LOCK_POLL_MS = 200;

export interface SessionDeps {
  paths: StatePaths;
  clock: Clock;
  procs?: ProcessTable;
}

export type Acquired = { lock: HeldLock; joined?: undefined } | { joined: Owner; lock?: undefined };

export async function acquire(
  deps: SessionDeps,
  command: string,
  phase: OwnerPhase,
  options: { join: boolean; signal?: AbortSignal; onWait?: (owner: Owner | undefined) => void; limitMs?: number },
): Promise<Acquired> {
  const { paths, clock } = deps;
  const procs = deps.procs ?? systemProcesses;
  const limitMs = options.limitMs ?? LOCK_WAIT_LIMIT_MS;
  const deadline = clock.now() + limitMs;
  let waiting = false;
  for (;;) {
    const attempt = await tryLock(paths, command, phase, procs);
    if (attempt.acquired) return { lock: attempt.lock };
    const owner = liveOwner(paths, procs);
    if (options.join && owner?.phase === 'supervising') return { joined: owner };
    if (!waiting) {
      waiting = true;
      options.onWait?.(attempt.owner);
    }
    if (clock.now() > deadline) throw new BusyError(`${describeOwner(attempt.owner)} has held the lock for ${Math.round(limitMs / 1000)} s and did not let go`);
    try {
      await clock.sleep(LOCK_POLL_MS, options.signal);
    } catch {
      throw new InterruptedError(`stopped waiting for ${describeOwner(attempt.owner)}; it goes on`);
    }
  }
}

/** The command line that marks a detached supervisor of the stack whose state is in `paths.dir`. */
export const supervisorMarker = (paths: Pick<StatePaths, 'dir'>): string[] => ['--supervisor-of', paths.dir];

/**
^ * Stops the stack's supervisors and whoever holds its lock on this host, and every process whose command line marks
 * it as this stack's supervisor — found even when the state directory was deleted under it.
 */
export async function stopSupervisors(deps: SessionDeps): Promise<{ owner: Owner | undefined; stopped: number[] }> {
  const procs = deps.procs ?? systemProcesses;
  const owner = liveOwner(deps.paths, procs);
  const pids = new Set(procs.find(supervisorMarker(deps.paths)));
  if (owner) pids.add(owner.pid); // an `up` or `restart` in progress is interrupted, as Ctrl-C would
  await stopProcesses([...pids], deps.clock, procs);
  return { owner, stopped: [...pids] };
}
