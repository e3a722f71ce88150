/**
 * When a process started, as the OS records it: with the pid, it names one process for good (a pid alone may
 * be reused by an unrelated process after the first one exits). Linux reads /proc; macOS and other Unixes ask
 * `ps`; Windows asks PowerShell. undefined when the process does not exist.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Field 3 (state) and field 22 (start time in clock ticks since boot); the name in field 2 may hold spaces and parentheses. */
function statFields(stat: string): { state: string | undefined; startTime: string | undefined } {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = rest[19]; // fields 3.. follow the name: field 22 is the 20th of them
  return { state: rest[0], startTime: ticks && /^\d+$/.test(ticks) ? `ticks:${ticks}` : undefined };
}

/**
 * The start time in /proc/PID/stat; undefined for a zombie (state `Z`, or `X`): it has exited, only nobody
 * has reaped it yet (in a container whose init does not reap, that can last).
 */
export function parseProcStat(stat: string): string | undefined {
  const { state, startTime } = statFields(stat);
  return state === 'Z' || state === 'X' ? undefined : startTime;
}

function readStat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Linux: the start time of a process even when it is a zombie (exited, not reaped). */
export function procStartTimeEvenZombie(pid: number): string | undefined {
  const stat = readStat(pid);
  return stat === undefined ? undefined : statFields(stat).startTime;
}

/** Linux: the start time now, synchronously (one small /proc read), so every check also sees a zombie. */
export function procStartTimeSync(pid: number): string | undefined {
  const stat = readStat(pid);
  return stat === undefined ? undefined : parseProcStat(stat);
}

/** The command each platform other than Linux runs to learn a process's start time. */
export function startTimeCommand(pid: number, platform: NodeJS.Platform): [string, string[]] {
  if (platform === 'win32')
    return ['powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', `(Get-Process -Id ${pid} -ErrorAction Stop).StartTime.ToFileTimeUtc()`]];
  return ['ps', ['-o', 'lstart=', '-p', String(pid)]];
}

export async function processStartTime(pid: number, platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    if (platform === 'linux') return procStartTimeSync(pid);
    const [file, args] = startTimeCommand(pid, platform);
    const { stdout } = await run(file, args, { windowsHide: true, timeout: 5_000 });
    return stdout.trim() ? `${platform === 'win32' ? 'filetime' : 'lstart'}:${stdout.trim()}` : undefined;
  } catch {
    return undefined; // no such process
  }
}
