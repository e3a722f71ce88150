/**
 * Runs one probe attempt with its timeout enforced from outside, so a probe (or a client library) that
 * ignores its abort signal still cannot outlive its timeout or the caller's signal.
 */
import type { Clock } from '../core/clock.js';
import type { ProbeType } from '../config/types.js';
import type { ProbeContext, ProbeRegistry, ProbeResult, ProbeSpec } from './types.js';

// Each probe's client library (ioredis, pg, the Qdrant client, undici) is loaded the first time that probe
// type runs, so commands that probe nothing, and stacks without that type, do not pay for it at start. The
// module is kept once loaded: a supervisor runs thousands of probes a minute.
const once = <M>(load: () => Promise<M>): (() => M | Promise<M>) => {
  let loaded: M | undefined;
  return () => loaded ?? load().then((m) => (loaded = m));
};
const tcp = once(() => import('./tcp-probe.js'));
const http = once(() => import('./http-probe.js'));
const redis = once(() => import('./redis-probe.js'));
const postgres = once(() => import('./postgres-probe.js'));
const qdrant = once(() => import('./qdrant-probe.js'));
const prometheus = once(() => import('./prometheus-probe.js'));
const grafana = once(() => import('./grafana-probe.js'));
const exec = once(() => import('./exec-probe.js'));
const docker = once(() => import('./docker-probe.js'));
const log = once(() => import('./log-probe.js'));

const LOADERS: Record<ProbeType, () => unknown> = { tcp, http, redis, postgres, qdrant, prometheus, grafana, exec, docker, log };

/**
 * Starts loading the client libraries of these probe types without waiting: a command that talks to the
 * engine first (`up`, `status`) lets the modules load while it waits for the engine's answers instead of
 * after them. A failed load is reported by the probe that needs it, as without preloading.
 */
export function preloadProbes(types: Iterable<ProbeType>): void {
  for (const t of new Set(types)) void Promise.resolve(LOADERS[t]()).catch(() => undefined);
}

export const PROBES: ProbeRegistry = {
  tcp: async (p, c) => (await tcp()).tcpProbe(p, c),
  http: async (p, c) => (await http()).httpProbe(p, c),
  redis: async (p, c) => (await redis()).redisProbe(p, c),
  postgres: async (p, c) => (await postgres()).postgresProbe(p, c),
  qdrant: async (p, c) => (await qdrant()).qdrantProbe(p, c),
  prometheus: async (p, c) => (await prometheus()).prometheusProbe(p, c),
  grafana: async (p, c) => (await grafana()).grafanaProbe(p, c),
  exec: async (p, c) => (await exec()).execProbe(p, c),
  docker: async (p, c) => (await docker()).dockerProbe(p, c),
  log: async (p, c) => (await log()).logProbe(p, c),
};

/** Why a finished attempt's signal is aborted: one shared reason, so ending an attempt builds no exception. */
const FINISHED = new Error('probe attempt finished');
const CANCELLED = new Error('probe cancelled');

export type ContextWithoutSignal = Omit<ProbeContext, 'signal' | 'timeoutMs'>;

export async function runProbe(
  probe: ProbeSpec,
  ctx: ContextWithoutSignal,
  clock: Pick<Clock, 'now' | 'sleep'>,
  parent?: AbortSignal,
  registry: ProbeRegistry = PROBES,
): Promise<ProbeResult> {
  const timeoutMs = probe.timing.timeoutMs;
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  const started = clock.now();
  const at = new Date(started).toISOString();
  // Settles with the timeout first: aborting the probe below would otherwise report "probe cancelled".
  const cut = clock.sleep(timeoutMs, controller.signal).then(
    () => {
      const err = new Error(`no answer within the probe timeout (${timeoutMs}ms)`);
      controller.abort(new Error('timeout'));
      throw err;
    },
    () => {
      throw CANCELLED; // also when the attempt simply finished: nobody reads it then, so nothing is built
    },
  );
  const fn = registry[probe.type] as (p: ProbeSpec, c: ProbeContext) => Promise<string | void>;
  try {
    const detail = await Promise.race([fn(probe, { ...ctx, signal: controller.signal, timeoutMs }), cut]);
    return { ok: true, latencyMs: clock.now() - started, at, ...(detail ? { detail } : {}) };
  } catch (err) {
    return { ok: false, latencyMs: clock.now() - started, at, error: err instanceof Error ? err.message : String(err) };
  } finally {
    parent?.removeEventListener('abort', onParentAbort);
    controller.abort(FINISHED); // ends the timer and whatever the probe left open
    cut.catch(() => {});
  }
}
