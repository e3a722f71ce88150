/** `status`: each service's container state and one probe attempt, all services at once. */
import type { StackSpec } from '../config/types.js';
import type { ProbeResult } from '../probes/types.js';
import type { ContainerInfo, ContainerState, Runtime } from '../runtime/types.js';
import type { Clock } from '../core/clock.js';
import { defaultProbeRunner, preloadRunner, probeContext, type ProbeRunner } from './gate.js';
import { byName } from '../core/order.js';

/** `completed`: a job that ran to exit 0 (jobs are not probed, and not expected to keep running). */
export type Health = 'healthy' | 'unhealthy' | 'no-probe' | 'completed' | 'unknown';

/** Whether a health means the service is as it should be. */
export const isFine = (h: Health): boolean => h === 'healthy' || h === 'no-probe' || h === 'completed';

export interface ServiceStatus {
  name: string;
  state: ContainerState | 'absent';
  health: Health;
  restarts: number;
  ports: { container: number; host: number; hostIp: string }[];
  lastProbe: (Pick<ProbeResult, 'ok' | 'latencyMs' | 'at'> & { error: string | null }) | null;
}

export interface StackStatus {
  project: string;
  services: ServiceStatus[];
}

/** What a running supervisor already knows of a service: `status` takes it instead of probing again. */
export type LiveHealth = (service: string) => { healthy: boolean; lastProbe?: ProbeResult } | undefined;

export interface StatusDeps {
  spec: StackSpec;
  runtime: Runtime;
  clock: Clock;
  probeRunner?: ProbeRunner;
  live?: LiveHealth;
  /** The project's containers when the caller already knows them (the supervisor keeps them between events). */
  containers?: () => Promise<Map<string, ContainerInfo>>;
}

/** One container list for the project, then one probe per running service, all at once (or the supervisor's word). */
export async function status(deps: StatusDeps): Promise<StackStatus> {
  const { spec, runtime, clock } = deps;
  const probeRunner = deps.probeRunner ?? defaultProbeRunner;
  let containers: Map<string, ContainerInfo>;
  if (deps.containers) containers = await deps.containers();
  else {
    preloadRunner(probeRunner, Object.values(spec.services));
    await runtime.ping();
    containers = await runtime.inspectAll();
  }
  const services = await Promise.all(
    Object.values(spec.services)
      .sort((a, b) => byName(a.name, b.name))
      .map(async (s): Promise<ServiceStatus> => {
        const info = containers.get(s.composeService);
        const base = {
          name: s.name,
          state: info?.state ?? ('absent' as const),
          restarts: info?.restartCount ?? 0,
          ports: (info?.ports ?? []).map((p) => ({ container: p.containerPort, host: p.hostPort, hostIp: p.hostIp })),
        };
        if (s.job && info?.state === 'exited' && info.exitCode === 0) return { ...base, health: 'completed', lastProbe: null };
        if (info?.state !== 'running') return { ...base, health: info ? 'unhealthy' : 'unknown', lastProbe: null };
        if (!s.probe) return { ...base, health: 'no-probe', lastProbe: null };
        const live = deps.live?.(s.name);
        if (live) return { ...base, health: live.healthy ? 'healthy' : 'unhealthy', lastProbe: live.lastProbe ? shown(live.lastProbe) : null };
        const r = await probeRunner(s.probe, probeContext(spec, s, runtime), clock);
        return { ...base, health: r.ok ? 'healthy' : 'unhealthy', lastProbe: shown(r) };
      }),
  );
  return { project: spec.name, services };
}

const shown = (r: ProbeResult): ServiceStatus['lastProbe'] => ({ ok: r.ok, latencyMs: r.latencyMs, error: r.error ?? null, at: r.at });
