/** The one error an `up` that did not bring everything up throws, chosen from the services' final states (pure). */
import { DependencyFailedError, GateFailedError, InterruptedError, StartFailedError, type StackError } from '../core/errors.js';
import type { FailureReport, ServiceState } from '../core/events.js';

export interface UpEnding {
  selected: readonly string[];
  /** The services named on the command line (or all selected). */
  requested: readonly string[];
  state(service: string): ServiceState;
  /** Its container runs (started now or found running), whatever its gate says. */
  running(service: string): boolean;
  reports: readonly FailureReport[];
  interrupted: boolean;
}

export function upError(u: UpEnding): StackError | undefined {
  if (u.selected.every((n) => u.state(n) === 'healthy' || u.state(n) === 'completed')) return undefined;
  const list = (state: ServiceState) => u.selected.filter((n) => u.state(n) === state);
  if (u.interrupted) {
    const healthy = list('healthy');
    const leftRunning = u.selected.filter((n) => u.running(n) && !healthy.includes(n));
    const notStarted = u.selected.filter((n) => !u.running(n));
    return new InterruptedError(
      `interrupted: healthy: ${healthy.join(', ') || 'none'}; left as they were (running, not proven healthy): ${leftRunning.join(', ') || 'none'}; not started: ${notStarted.join(', ') || 'none'}`,
    );
  }
  const failed = list('failed');
  const skipped = list('skipped');
  const summary = `${failed.join(', ')} failed${skipped.length ? `; not started: ${skipped.join(', ')}` : ''}`;
  if (!u.requested.some((n) => failed.includes(n))) return new DependencyFailedError(`${u.requested.join(', ')} not started: ${summary}`, [...u.reports]);
  if (u.reports.every((r) => r.kind === 'start-error')) return new StartFailedError(summary, u.reports[0]?.reason.split(' — ')[1], [...u.reports]);
  return new GateFailedError(summary, [...u.reports]);
}
