/**
 * Runs one probe attempt with its timeout enforced from outside, so a probe (or a client library) that
 * ignores its abort signal still cannot outlive its timeout or the caller's signal.
 */
import type { Clock } from '../engine/clock.js';
import { dockerProbe } from './docker-probe.js';
import { execProbe } from './exec-probe.js';
import { grafanaProbe } from './grafana-probe.js';
import { httpProbe } from './http-probe.js';
import { postgresProbe } from './postgres-probe.js';
import { prometheusProbe } from './prometheus-probe.js';
import { qdrantProbe } from './qdrant-probe.js';
import { redisProbe } from './redis-probe.js';
import { tcpProbe } from './tcp-probe.js';
import type { ProbeContext, ProbeRegistry, ProbeResult, ProbeSpec } from './types.js';

export const PROBES: ProbeRegistry = {
  tcp: tcpProbe,
  http: httpProbe,
  redis: redisProbe,
  postgres: postgresProbe,
  qdrant: qdrantProbe,
  prometheus: prometheusProbe,
  grafana: grafanaProbe,
  exec: execProbe,
  docker: dockerProbe,
};

export type ContextWithoutSignal = Omit<ProbeContext, 'signal' | 'timeoutMs'>;

export async function runProbe(
  probe: ProbeSpec,
  ctx: ContextWithoutSignal,
  clock: Pick<Clock, 'now'>,
  parent?: AbortSignal,
  registry: ProbeRegistry = PROBES,
): Promise<ProbeResult> {
  const timeoutMs = probe.timing.timeoutMs;
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  const started = clock.now();
  const at = new Date(started).toISOString();
  let timer: NodeJS.Timeout | undefined;
  const cut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Settle with the timeout first: aborting below would otherwise report "probe cancelled".
      reject(new Error(`no answer within the probe timeout (${timeoutMs}ms)`));
      controller.abort(new Error('timeout'));
    }, timeoutMs);
    controller.signal.addEventListener('abort', () => reject(new Error('probe cancelled')), { once: true });
  });
  const fn = registry[probe.type] as (p: ProbeSpec, c: ProbeContext) => Promise<string | void>;
  try {
    const detail = await Promise.race([fn(probe, { ...ctx, signal: controller.signal, timeoutMs }), cut]);
    return { ok: true, latencyMs: clock.now() - started, at, ...(detail ? { detail } : {}) };
  } catch (err) {
    return { ok: false, latencyMs: clock.now() - started, at, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParentAbort);
    controller.abort(); // ends whatever the probe left open
    cut.catch(() => {});
  }
}
