/**
 * The processes `stack` needs to know about, behind one interface (tests pass a fake): whether a pid is
 * alive (a zombie, killed but not yet reaped, is not), signalling one, and finding a stack's own
 * supervisors by their command line, which does not depend on any state file still existing.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessTable {
  alive(pid: number): boolean;
  kill(pid: number, signal: NodeJS.Signals): void;
  /** Pids whose command line holds every one of `args`, in order (Linux: /proc; elsewhere: none). */
  find(args: readonly string[]): number[];
}

/** On Linux /proc/PID/stat says Z for a zombie; kill(pid, 0) would still succeed for one. */
function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

export const systemProcesses: ProcessTable = {
  alive(pid) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    return !zombie(pid);
  },
  kill(pid, signal) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  },
  find(args) {
    let pids: string[];
    try {
      pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
    } catch {
      return [];
    }
    return pids.flatMap((p) => {
      try {
        const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        const at = argv.indexOf(args[0]!);
        return at >= 0 && args.every((a, i) => argv[at + i] === a) && Number(p) !== process.pid ? [Number(p)] : [];
      } catch {
        return [];
      }
    });
  },
};
