/**
 * Engine event → fault, as a pure function: what the supervisor should make of one container event, given
 * what it remembers of the service's recent kills and its own last start.
 */
import type { HealTrigger } from '../core/events.js';
import { UNKNOWN_EXIT } from '../runtime/process/process-runtime.js';
import type { RuntimeEvent } from '../runtime/types.js';

export interface EventMemory {
  lastKill?: { signal: string; atNano: bigint };
  oomAtNano?: bigint;
  /** Engine events older than our own last start of the container are echoes of our own stop. */
  ownStartNano: bigint;
}

export interface Fault {
  trigger: Exclude<HealTrigger, 'unhealthy'>;
  reason: string;
}

const SIGTERM = new Set(['15', 'SIGTERM', 'TERM']);
/** A kill or OOM this recent explains a die. */
const RECENT_NS = 60_000_000_000n;

export function classifyEvent(memory: EventMemory, e: RuntimeEvent): { memory: EventMemory; fault?: Fault } {
  if (e.action === 'kill') return { memory: { ...memory, lastKill: { signal: e.signal ?? '', atNano: e.timeNano } } };
  if (e.action === 'oom') return { memory: { ...memory, oomAtNano: e.timeNano } };
  if (e.timeNano < memory.ownStartNano) return { memory };
  if (e.action === 'destroy') return { memory, fault: { trigger: 'exit', reason: 'its container was removed' } };
  if (e.action !== 'die') return { memory };
  const recent = (t: bigint | undefined) => t !== undefined && e.timeNano - t < RECENT_NS;
  const kill = recent(memory.lastKill?.atNano) ? memory.lastKill : undefined;
  const code = e.exitCode ?? 0;
  // A host process that ended while no stack process was its parent: how it ended is not known.
  if (code === UNKNOWN_EXIT) return { memory, fault: { trigger: 'exit', reason: 'exited (its exit code is unknown: no stack process was its parent)' } };
  if (kill && SIGTERM.has(kill.signal)) return { memory, fault: { trigger: 'stopped', reason: `stopped by hand (docker stop), exit code ${code}` } };
  const how = recent(memory.oomAtNano) ? ' (killed: out of memory)' : kill ? ` (killed with signal ${kill.signal})` : '';
  return { memory, fault: { trigger: 'exit', reason: `exited with code ${code}${how}` } };
}
