/** The `stack status` table: one row per service, healing in words. */
import type { ServiceStatus } from '../engine/status.js';
import type { HealSummary } from '../state/heal-summary.js';

export type StatusRow = ServiceStatus & { heal: Omit<HealSummary, 'restarts'> };

export interface SupervisorLine {
  pid: number;
  since: string;
  command: string;
  metrics: string | null;
}

export function statusTable(rows: readonly StatusRow[]): string {
  const table = [
    ['SERVICE', 'STATE', 'HEALTH', 'RESTARTS', 'PORTS', 'LAST PROBE', 'HEALING'],
    ...rows.map((x) => [
      x.name,
      x.state,
      x.health,
      String(x.restarts),
      x.ports.map((p) => `${p.hostIp || '0.0.0.0'}:${p.host}->${p.container}`).join(' ') || '-',
      x.lastProbe ? (x.lastProbe.ok ? `ok ${x.lastProbe.latencyMs}ms` : `fail: ${x.lastProbe.error}`) : '-',
      healingText(x.heal),
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

export function supervisorText(s: SupervisorLine | null, tokenFile: string): string {
  return s
    ? `supervised by pid ${s.pid} since ${s.since.slice(11, 19)} (\`${s.command}\`); metrics: http://${s.metrics}/metrics (with the token in ${tokenFile})\n`
    : 'not supervised (`stack up --watch` or `--detach` supervises)\n';
}

export const malformedText = (n: number, file: string): string => `note: skipped ${n} malformed line${n === 1 ? '' : 's'} in ${file}\n`;

function healingText(h: Omit<HealSummary, 'restarts'>): string {
  const parts = [];
  if (h.breaker === 'open') parts.push('BREAKER OPEN');
  if (h.nextRetryAt) parts.push(`next retry ${h.nextRetryAt.slice(11, 19)}`);
  if (h.lastFailure) parts.push(`last failure ${h.lastFailure.at.slice(11, 19)}: ${h.lastFailure.reason}`);
  return parts.join('; ') || '-';
}
