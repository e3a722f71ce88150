/**
 * The liveness loop of one service: its own typed probe every `liveness.interval`; `failure_threshold`
 * failures in a row make it unhealthy. Skipped (and the count reset) while the service is not up, the
 * engine is away, or one of its dependencies is down: a dependent failing only for that is not restarted.
 */
import type { Clock } from '../core/clock.js';
import type { Emit, ProbeResult } from '../core/events.js';
import type { ServiceSpec } from '../config/types.js';
import type { ProbeRunner } from '../engine/gate.js';
import type { ContextWithoutSignal } from '../probes/run-probe.js';

export interface LivenessTarget {
  /** Read at every round: a reload may change the spec, a restart the probe context. */
  spec(): ServiceSpec;
  ctx(): ContextWithoutSignal;
  /** False while the service is being healed, failed, stopped, or waiting for a dependency or the engine. */
  shouldProbe(): boolean;
}

export interface LivenessDeps {
  clock: Clock;
  probeRunner: ProbeRunner;
  emit: Emit;
}

export async function livenessLoop(
  target: LivenessTarget,
  deps: LivenessDeps,
  signal: AbortSignal,
  onUnhealthy: (last: ProbeResult, threshold: number) => void,
): Promise<void> {
  const { clock, emit } = deps;
  let failures = 0;
  for (;;) {
    const spec = target.spec();
    if (!spec.probe) return;
    const live = spec.heal?.liveness ?? spec.probe.timing;
    try {
      await clock.sleep(live.intervalMs, signal);
    } catch {
      return; // stopped
    }
    if (!target.shouldProbe()) {
      failures = 0;
      continue;
    }
    const result = await deps.probeRunner({ ...spec.probe, timing: { ...spec.probe.timing, timeoutMs: live.timeoutMs } }, target.ctx(), clock, signal);
    if (signal.aborted) return;
    if (result.ok || !target.shouldProbe()) {
      failures = 0;
      if (result.ok) emit({ type: 'liveness', at: clock.now(), service: spec.name, result, failures: 0, threshold: live.failureThreshold });
      continue;
    }
    failures++;
    emit({ type: 'liveness', at: clock.now(), service: spec.name, result, failures, threshold: live.failureThreshold });
    if (failures < live.failureThreshold) continue;
    failures = 0;
    onUnhealthy(result, live.failureThreshold);
  }
}
