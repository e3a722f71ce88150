/**
 * Restarting services through the same gate as `up`, one at a time or with their dependents in graph order.
 * Used by `stack restart` without a supervisor and by the supervisor itself (healing, manual restarts).
 */
import type { ServiceSpec, StackSpec } from '../config/types.js';
import { StartFailedError } from '../core/errors.js';
import { dependentsOf, planWaves } from '../graph/plan.js';
import { failureReport, gate, isGated, type GateDeps, type GateOutcome } from './gate.js';

/**
 * One restart: unpause if paused, stop if running, (re)create when its container is gone (removed by hand
 * or pruned: compose knows how to make it again), start, then probe until healthy.
 */
export async function restartService(
  deps: GateDeps,
  service: ServiceSpec,
  signal: AbortSignal,
  beforeStart: () => void = () => {},
): Promise<GateOutcome & { recreated: boolean }> {
  const { runtime, clock } = deps;
  const name = service.composeService;
  const info = await runtime.inspect(name);
  const stopSeconds = Math.ceil((service.heal?.stopTimeoutMs ?? 5_000) / 1000);
  // A runtime that restarts in place (swarm: a forced update) does it its own way; it returns once the old run is gone.
  const inPlace = runtime.restart !== undefined && info !== undefined && info.state !== 'created' && info.state !== 'exited';
  if (info?.state === 'paused') await runtime.unpause(name);
  if (!inPlace && info && (info.state === 'running' || info.state === 'restarting' || info.state === 'paused')) await runtime.stop(name, stopSeconds);
  const startedAt = clock.now();
  try {
    if (!info) await runtime.create([name], { onlyThese: true });
    if (inPlace) await runtime.restart!(name, stopSeconds);
    beforeStart();
    if (!inPlace) await runtime.start(name);
  } catch (err) {
    if (!(err instanceof StartFailedError)) throw err;
    const report = await failureReport(deps, service, 'start-error', err.message + (err.hint ? ` — ${err.hint}` : ''), startedAt);
    return { ok: false, report, recreated: false };
  }
  const outcome = isGated(service, runtime) ? await gate(deps, service, startedAt, signal) : ({ ok: true } as const);
  return { ...outcome, recreated: !info };
}

export type RestartWhy = 'manual' | 'dependency';

export interface RestartResult {
  service: string;
  ok: boolean;
  reason?: string;
}

/**
 * The (transitive) dependents of `name` within `among` (default all), restarted wave by wave so each one's own
 * dependencies are healthy before it starts. `restartOne` returns undefined for a service it leaves alone.
 */
export async function restartDependents(
  spec: Pick<StackSpec, 'services'>,
  name: string,
  restartOne: (name: string) => Promise<RestartResult | undefined>,
  among?: readonly string[],
  skip: ReadonlySet<string> = new Set(),
): Promise<RestartResult[]> {
  const results: RestartResult[] = [];
  const dependents = dependentsOf(spec.services, name, among).filter((d) => !skip.has(d));
  for (const wave of planWaves(spec.services, dependents)) {
    const restarted = await Promise.all(wave.map((d) => restartOne(d)));
    results.push(...restarted.filter((r): r is RestartResult => r !== undefined));
  }
  return results;
}

/** `names` one after another; after each that comes back healthy and `withDependents(name)`, its dependents. */
export async function restartInOrder(
  spec: Pick<StackSpec, 'services'>,
  names: readonly string[],
  withDependents: (name: string) => boolean,
  restartOne: (name: string, why: RestartWhy) => Promise<RestartResult | undefined>,
  among?: readonly string[],
): Promise<RestartResult[]> {
  const results: RestartResult[] = [];
  const done = new Set(names);
  for (const name of names) {
    const own = await restartOne(name, 'manual');
    if (!own) continue;
    results.push(own);
    if (!own.ok || !withDependents(name)) continue;
    const dependents = await restartDependents(spec, name, (d) => restartOne(d, 'dependency'), among, done);
    for (const r of dependents) done.add(r.service);
    results.push(...dependents);
  }
  return results;
}
