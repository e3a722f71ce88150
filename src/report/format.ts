/** Text pieces shared by the plain and TTY renderers. */
import { formatDuration } from '../config/duration.js';
import type { CreateReport, FailureReport, ServiceOutcome, StackEvent } from '../core/events.js';

export const clockTime = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

export function formatReport(r: FailureReport): string[] {
  const lines = [`✖ ${r.service} failed after ${formatDuration(r.elapsedMs)}: ${r.reason}`];
  if (r.container && r.runsAs === 'process') {
    const c = r.container;
    lines.push(
      c.state === 'absent'
        ? '  process: never started'
        : `  process: ${c.state}${c.state === 'exited' ? `, ${c.exitCode === -1 ? 'exit code unknown' : `exit code ${c.exitCode}`}` : ''}`,
    );
  } else if (r.container) {
    const c = r.container;
    lines.push(
      c.state === 'absent'
        ? '  container: none'
        : `  container: ${c.state}, exit code ${c.exitCode}, OOM killed: ${c.oomKilled ? 'yes' : 'no'}, restarts: ${c.restartCount}`,
    );
  }
  if (r.probes.length > 0) {
    lines.push(`  last ${r.probes.length} probe${r.probes.length === 1 ? '' : 's'}:`);
    for (const p of r.probes)
      lines.push(`    ${p.at.slice(11, 23)} ${p.ok ? 'ok  ' : 'fail'} ${String(p.latencyMs).padStart(5)}ms  ${p.error ?? p.detail ?? ''}`);
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

/** One line for a supervisor event (without the time), as shown live and by `stack events`. */
export function describeSupervisorEvent(e: StackEvent, width = 12): string | undefined {
  const svc = (s: string) => s.padEnd(width);
  switch (e.type) {
    case 'supervisor':
      return e.phase === 'started'
        ? `supervisor started (pid ${e.pid}), watching ${e.services.join(', ')}`
        : `supervisor stopped (pid ${e.pid}); services left as they are`;
    case 'detected':
      return `${svc(e.service)} ${e.trigger === 'unhealthy' ? 'unhealthy' : e.trigger === 'stopped' ? 'stopped' : 'crashed'}: ${e.reason}${e.healed ? '' : ' — not healed (heal.on)'}`;
    case 'liveness':
      return e.result.ok ? undefined : `${svc(e.service)} liveness probe failed (${e.failures}/${e.threshold}): ${e.result.error}`;
    case 'backoff':
      return `${svc(e.service)} restart #${e.attempt} in ${formatDuration(e.delayMs)}`;
    case 'restart':
      return `${svc(e.service)} restarting${e.why === 'heal' ? '' : ` (${e.why === 'manual' ? 'stack restart' : 'its dependency restarted'})`}`;
    case 'recovered':
      return `${svc(e.service)} recovered: healthy again after ${formatDuration(e.downMs)} down`;
    case 'restart-failed':
      return `${svc(e.service)} restart failed: ${e.reason}`;
    case 'breaker':
      return e.open
        ? `${svc(e.service)} FAILED, breaker open: ${e.reason}. Not restarted until \`stack restart ${e.service}\` or a stack.yaml change`
        : `${svc(e.service)} breaker closed: ${e.reason}`;
    case 'degraded':
      return `${svc(e.service)} ${e.degraded ? 'degraded' : 'no longer degraded'}: ${e.because}`;
    case 'engine':
      return `engine ${e.connected ? 'reconnected' : 'disconnected'}${e.detail ? `: ${e.detail}` : ''}`;
    case 'config':
      return e.detail;
    case 'notify-failed':
      return `${svc(e.service)} webhook for ${e.event} failed: ${e.error}`;
    default:
      return undefined;
  }
}

/**
 * What creating did, per service: a recreated service (and why) and one created by the compose CLI instead of
 * the engine API (and why) always; with `all` (--debug) every service, kept and created ones too.
 */
/** An orphan (a service no longer defined that still had a container or process), as `up` dealt with it. */
export function orphanText(action: 'removed' | 'kept'): string {
  return action === 'removed'
    ? 'removed: no longer defined in the compose files or stack.yaml (an orphan; its volumes stay)'
    : 'is an orphan (no longer defined) and was left as it is (--keep-orphans)';
}

export function createLines(reports: readonly CreateReport[], all: boolean, width = 12): string[] {
  return reports
    .filter((r) => all || r.action === 'recreated' || r.via === 'compose')
    .map(
      (r) =>
        `${r.service.padEnd(width)} ${r.action}${r.via === 'compose' ? ' by compose' : !all ? '' : r.via === 'process' ? ' (a host process)' : ' through the engine API'}${r.reason ? ` (${r.reason})` : ''}`,
    );
}
