/** Folds the journal into what `stack status` shows per service about healing (pure). */
import type { JournalRecord } from './journal.js';

export interface HealSummary {
  /** Restarts by the supervisor or `stack restart` since the stack was last brought down. */
  restarts: number;
  lastFailure: { reason: string; at: string } | null;
  breaker: 'open' | 'closed';
  nextRetryAt: string | null;
}

/** The record types summarizeHealing folds: read only these (Journal.read(HEALING_RECORDS)). */
export const HEALING_RECORDS: ReadonlySet<JournalRecord['type']> = new Set([
  'removed',
  'supervisor',
  'restart',
  'detected',
  'restart-failed',
  'failure',
  'backoff',
  'breaker',
  'recovered',
]);

export function summarizeHealing(records: readonly JournalRecord[]): Record<string, HealSummary> {
  const out: Record<string, HealSummary> = {};
  const of = (service: string) => (out[service] ??= { restarts: 0, lastFailure: null, breaker: 'closed', nextRetryAt: null });
  for (const r of records) {
    const service = 'service' in r && typeof r.service === 'string' ? r.service : undefined;
    switch (r.type) {
      case 'removed':
        for (const k of Object.keys(out)) delete out[k];
        break;
      case 'supervisor':
        if (r.phase === 'stopped') for (const s of Object.values(out)) s.nextRetryAt = null; // nobody will retry
        break;
      case 'restart':
        of(service!).restarts++;
        of(service!).nextRetryAt = null;
        break;
      case 'detected':
      case 'restart-failed':
        of(service!).lastFailure = { reason: r.reason, at: r.ts };
        break;
      case 'failure':
        of(r.report.service).lastFailure = { reason: r.report.reason, at: r.ts };
        break;
      case 'backoff':
        of(service!).nextRetryAt = new Date(r.nextAt).toISOString();
        break;
      case 'breaker':
        of(service!).breaker = r.open ? 'open' : 'closed';
        if (r.open) of(service!).nextRetryAt = null;
        break;
      case 'recovered':
        of(service!).nextRetryAt = null;
        break;
    }
  }
  return out;
}
