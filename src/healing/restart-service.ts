/** One restart through the same gate as `up`: unpause if paused, stop if running, start, probe until healthy. */
import type { ServiceSpec } from '../config/types.js';
import { failureReport, gate, type GateDeps, type GateOutcome } from '../engine/gate.js';
import { StartFailedError } from '../core/errors.js';

export async function restartService(deps: GateDeps, service: ServiceSpec, signal: AbortSignal, beforeStart: () => void = () => {}): Promise<GateOutcome> {
  const { runtime, clock } = deps;
  const name = service.composeService;
  const info = await runtime.inspect(name);
  if (info?.state === 'paused') await runtime.unpause(name);
  if (info && (info.state === 'running' || info.state === 'restarting' || info.state === 'paused')) {
    await runtime.stop(name, Math.ceil((service.heal?.stopTimeoutMs ?? 5_000) / 1000));
  }
  beforeStart();
  const startedAt = clock.now();
  try {
    await runtime.start(name);
  } catch (err) {
    if (!(err instanceof StartFailedError)) throw err;
    return { ok: false, report: await failureReport(deps, service, 'start-error', err.message, startedAt) };
  }
  return service.probe ? gate(deps, service, startedAt, signal) : { ok: true };
}
