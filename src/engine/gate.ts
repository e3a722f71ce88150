/**
 * The health gate of one service: probe until `success_threshold` consecutive successes, or fail when the
 * container exits or the startup deadline passes. Also the one-shot probe used by `status` and `up`'s
 * "already healthy?" check.
 */
import type { ProbeSpec } from '../config/types.js';
import type { ServiceSpec, StackSpec } from '../config/types.js';
import { preloadProbes, runProbe, type ContextWithoutSignal } from '../probes/run-probe.js';
import type { Endpoint, ProbeResult } from '../probes/types.js';
import type { Runtime } from '../runtime/types.js';
import type { Clock } from '../core/clock.js';
import type { Emit, FailureReport } from '../core/events.js';

export type ProbeRunner = (probe: ProbeSpec, ctx: ContextWithoutSignal, clock: Clock, signal?: AbortSignal) => Promise<ProbeResult>;

export const defaultProbeRunner: ProbeRunner = (probe, ctx, clock, signal) => runProbe(probe, ctx, clock, signal);

/** With the default runner, starts loading the probe clients these services need (see preloadProbes). */
export function preloadRunner(runner: ProbeRunner, services: readonly ServiceSpec[]): void {
  if (runner === defaultProbeRunner) preloadProbes(services.flatMap((s) => (s.probe ? [s.probe.type] : [])));
}

const HISTORY = 5;

/** The shortest gap between two startup probes. */
export const FIRST_GAP_MS = 25;

/**
 * The gap before the next startup probe: an eighth of the time since the container started, at least
 * FIRST_GAP_MS, at most the configured interval. Right after a start the gate probes every 25–50 ms, so a
 * service that is ready quickly is seen ready within tens of ms; a slow one is seen ready at most 12.5% (or
 * one interval) late, and after `8 × interval` the gate probes at the configured pace. The supervisor's
 * liveness probes (steady state) keep their own interval.
 */
export function startupGap(sinceStartMs: number, intervalMs: number): number {
  return Math.min(intervalMs, Math.max(FIRST_GAP_MS, Math.floor(sinceStartMs / 8)));
}
export const LOG_TAIL = 20;

/** The probe context of a service; the published endpoint is looked up once per container start. */
export function probeContext(spec: StackSpec, service: ServiceSpec, runtime: Runtime): ContextWithoutSignal {
  const endpoints = new Map<number, Promise<Endpoint>>();
  return {
    env: spec.env,
    endpoint: (port, host) => {
      if (host) return Promise.resolve({ host, port });
      let found = endpoints.get(port);
      if (!found) {
        found = runtime.endpoint(service.composeService, port);
        endpoints.set(port, found);
        found.catch(() => endpoints.delete(port)); // retry the lookup next attempt
      }
      return found;
    },
    exec: (command, signal) => runtime.exec(service.composeService, command, signal),
    healthStatus: async () => (await runtime.inspect(service.composeService))?.health,
    output: () => runtime.output(service.composeService),
  };
}

export interface GateDeps {
  spec: StackSpec;
  runtime: Runtime;
  clock: Clock;
  emit: Emit;
  probeRunner: ProbeRunner;
}

export type GateOutcome = { ok: true } | { ok: false; report: FailureReport };

/** An overall deadline (`up --wait-timeout`) that may come before a service's own startup_timeout. */
export interface DeadlineCap {
  at: number;
  label: string;
}

export function deadlineOf(service: ServiceSpec, startedAt: number, cap?: DeadlineCap): { at: number; label: string } {
  const own = { at: startedAt + service.startupTimeoutMs, label: `its startup_timeout of ${service.startupTimeoutMs / 1000}s` };
  return cap && cap.at < own.at ? cap : own;
}

/** Whether starting this service is followed by a gate: it has a probe, or the runtime converges on its own (swarm). */
export function isGated(service: ServiceSpec, runtime: Runtime): boolean {
  return service.probe !== undefined || runtime.converged !== undefined;
}

/** The pace of the gate of a service without a probe on a runtime that converges on its own (swarm tasks). */
const CONVERGE_TIMING = { intervalMs: 500, timeoutMs: 2_000, successThreshold: 1, failureThreshold: 1 };

/**
 * One gate attempt: the probe (when the service has one), and — on a runtime that converges on its own —
 * every replica running. On swarm a task is `running` only after its container's healthcheck passed.
 */
async function attemptOnce(deps: GateDeps, service: ServiceSpec, ctx: ContextWithoutSignal, timeoutMs: number, signal: AbortSignal): Promise<ProbeResult> {
  const { runtime, clock } = deps;
  const probe = service.probe;
  const result: ProbeResult = probe
    ? await deps.probeRunner({ ...probe, timing: { ...probe.timing, timeoutMs: Math.min(probe.timing.timeoutMs, timeoutMs) } }, ctx, clock, signal)
    : { ok: true, latencyMs: 0, at: new Date().toISOString(), detail: 'no probe' };
  if (!result.ok || !runtime.converged) return result;
  const waiting = await runtime.converged(service.composeService);
  return waiting === undefined ? result : { ok: false, latencyMs: result.latencyMs, at: result.at, error: waiting };
}

export async function gate(deps: GateDeps, service: ServiceSpec, startedAt: number, signal: AbortSignal, cap?: DeadlineCap): Promise<GateOutcome> {
  const { runtime, clock, emit } = deps;
  const timing = service.probe?.timing ?? CONVERGE_TIMING;
  const { at: deadline, label } = deadlineOf(service, startedAt, cap);
  const ctx = probeContext(deps.spec, service, runtime);
  const history: ProbeResult[] = [];
  let consecutive = 0;
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    const attemptStart = clock.now();
    // An attempt never runs past the deadline, so `up` fails on time even with a long probe timeout.
    const result = await attemptOnce(deps, service, ctx, Math.max(deadline - attemptStart, 100), signal);
    signal.throwIfAborted();
    history.push(result);
    if (history.length > HISTORY) history.shift();
    emit({ type: 'probe', at: clock.now(), service: service.name, attempt, result });
    if (result.ok) {
      if (++consecutive >= timing.successThreshold) return { ok: true };
    } else {
      consecutive = 0;
      const info = await runtime.inspect(service.composeService);
      if (!info || info.state === 'exited' || info.state === 'dead') {
        const why = info
          ? `the container exited with code ${info.exitCode}${info.oomKilled ? ' (killed: out of memory)' : ''}${info.error ? ` (${info.error})` : ''}`
          : 'the container disappeared';
        return { ok: false, report: await failureReport(deps, service, 'exited', `${why} before it became healthy`, startedAt, history) };
      }
    }
    const now = clock.now();
    if (now >= deadline) {
      const last = history.at(-1);
      const reason = `not healthy within ${label}${last?.error ? `; last probe: ${last.error}` : ''}`;
      return { ok: false, report: await failureReport(deps, service, 'deadline', reason, startedAt, history) };
    }
    const gap = startupGap(now - startedAt, timing.intervalMs);
    await clock.sleep(Math.min(Math.max(gap - (now - attemptStart), 0), deadline - now), signal);
  }
}

/** Everything a user needs to see why a service failed, gathered once; best effort for the container parts. */
export async function failureReport(
  deps: Pick<GateDeps, 'runtime' | 'clock'>,
  service: ServiceSpec,
  kind: FailureReport['kind'],
  reason: string,
  startedAt: number,
  probes: ProbeResult[] = [],
): Promise<FailureReport> {
  const info = await deps.runtime.inspect(service.composeService).catch(() => undefined);
  const logs = await deps.runtime.logs(service.composeService, LOG_TAIL).catch(() => []);
  return {
    service: service.name,
    reason,
    kind,
    elapsedMs: deps.clock.now() - startedAt,
    deadlineMs: service.startupTimeoutMs,
    probes: [...probes],
    container: info
      ? { state: info.state, exitCode: info.exitCode, oomKilled: info.oomKilled, restartCount: info.restartCount }
      : { state: 'absent', exitCode: 0, oomKilled: false, restartCount: 0 },
    logs,
    notStarted: [],
    ...(service.kind === 'process' ? { runsAs: 'process' as const } : {}),
  };
}
