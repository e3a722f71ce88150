/**
 * How long each service took from its start to ready in the last `up` that started it, kept in
 * `.stack/<project>/ready-times.json` (0600): the next `up` ranks services by the time still to go below
 * them (critical-path-first), not only by how many services wait on them. A missing or damaged file is an
 * empty history: ranking then falls back to counting services.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceOutcome } from '../core/events.js';
import type { StatePaths } from './paths.js';
import { writePrivateFile } from './private-files.js';

const fileOf = (paths: StatePaths) => join(paths.dir, 'ready-times.json');

export function readReadyTimes(paths: StatePaths): Record<string, number> {
  try {
    const raw = JSON.parse(readFileSync(fileOf(paths), 'utf8')) as unknown;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
    return Object.fromEntries(Object.entries(raw).filter((e): e is [string, number] => Number.isFinite(e[1]) && (e[1] as number) >= 0));
  } catch {
    return {};
  }
}

/** Merges the services this `up` started and saw ready (not the ones it found already healthy). */
export function recordReadyTimes(paths: StatePaths, outcome: Readonly<Record<string, ServiceOutcome>>, before: Record<string, number>): void {
  const seen = Object.entries(outcome).filter(([, o]) => o.readyMs !== undefined && !o.unchanged && (o.state === 'healthy' || o.state === 'completed'));
  if (seen.length === 0) return;
  writePrivateFile(fileOf(paths), `${JSON.stringify({ ...before, ...Object.fromEntries(seen.map(([n, o]) => [n, o.readyMs!])) })}\n`);
}
