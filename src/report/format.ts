/** Text pieces shared by the plain and TTY renderers. */
import { formatDuration } from '../config/duration.js';
import type { FailureReport, ServiceOutcome } from '../engine/events.js';

export const clockTime = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

export function formatReport(r: FailureReport): string[] {
  const lines = [`✖ ${r.service} failed after ${formatDuration(r.elapsedMs)}: ${r.reason}`];
  if (r.container) {
    const c = r.container;
    lines.push(
      c.state === 'absent'
        ? '  container: none'
        : `  container: ${c.state}, exit code ${c.exitCode}, OOM killed: ${c.oomKilled ? 'yes' : 'no'}, restarts: ${c.restartCount}`,
    );
  }
  if (r.probes.length > 0) {
    lines.push(`  last ${r.probes.length} probe${r.probes.length === 1 ? '' : 's'}:`);
    for (const p of r.probes) lines.push(`    ${p.at.slice(11, 23)} ${p.ok ? 'ok  ' : 'fail'} ${String(p.latencyMs).padStart(5)}ms  ${p.error ?? p.detail ?? ''}`);
  }
  if (r.logs.length > 0) {
    lines.push(`  last ${r.logs.length} log line${r.logs.length === 1 ? '' : 's'}:`);
    for (const l of r.logs) lines.push(`    | ${l}`);
  } else {
    lines.push('  no log lines');
  }
  if (r.notStarted.length > 0) lines.push(`  not started because of it: ${r.notStarted.join(', ')}`);
  return lines;
}

export const interrupted = (outcome: Record<string, ServiceOutcome>): boolean => Object.values(outcome).some((o) => o.state === 'cancelled');
