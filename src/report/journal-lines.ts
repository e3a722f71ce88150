/** The journal as lines for `stack events`: the date, the time and what happened. */
import { formatDuration } from '../config/duration.js';
import type { JournalRecord } from '../state/journal.js';
import { clockTime, describeSupervisorEvent, orphanText } from './format.js';

export const journalLine = (r: JournalRecord): string => `${r.ts.slice(0, 10)} ${clockTime(r.at)} ${describeRecord(r)}\n`;

export function recordService(r: JournalRecord): string | undefined {
  if (r.type === 'failure') return r.report.service;
  return 'service' in r && typeof r.service === 'string' ? r.service : undefined;
}

export function describeRecord(r: JournalRecord): string {
  const supervision = describeSupervisorEvent(r);
  if (supervision) return supervision;
  switch (r.type) {
    case 'plan':
      return `up planned (${r.strategy}): ${r.waves.map((w) => w.join(', ')).join(' | ')}`;
    case 'service':
      return `${r.service.padEnd(12)} ${r.state}${r.sinceStartMs === undefined ? '' : ` in ${formatDuration(r.sinceStartMs)}`}${r.detail ? ` (${r.detail})` : ''}`;
    case 'probe':
      return `${r.service.padEnd(12)} probe failed: ${r.result.error}`;
    case 'failure':
      return `${r.report.service.padEnd(12)} FAILED: ${r.report.reason}`;
    case 'done':
      return r.ok ? `up done: all healthy in ${formatDuration(r.durationMs)}` : `up failed: ${r.error?.message ?? 'see above'}`;
    case 'stop':
      return `${r.service.padEnd(12)} ${r.phase === 'begin' ? 'stopping' : 'stopped'}`;
    case 'orphan':
      return `${r.service.padEnd(12)} ${orphanText(r.action)}`;
    case 'removed':
      return `down: containers and networks removed${r.volumes ? ', volumes too' : ''}`;
    default:
      return r.type;
  }
}
