/**
 * What the dashboard shows of each service, as pure data: the node's state (one of a few, each with its
 * colour), the edges with their conditions, and a service's panel facts. Computed on the supervisor's side
 * from its live state and `status`, so the page only draws; no secret value is ever in it (the spec's
 * environment is not).
 */
import type { Condition, StackSpec } from '../../config/types.js';
import type { ServiceStatus } from '../../engine/status.js';

/** The dashboard's states, in the order a node's colour is decided. */
export type NodeState = 'failed' | 'restarting' | 'unhealthy' | 'starting' | 'stopped' | 'completed' | 'healthy';

export const NODE_COLOURS: Record<NodeState, string> = {
  healthy: '#2e9e5b',
  completed: '#5b7fa6',
  starting: '#d9a400',
  restarting: '#e07b00',
  unhealthy: '#d2452f',
  failed: '#8e1b10',
  stopped: '#8a8f98',
};

/** The supervisor's word on a service (its healing state and breaker), when it supervises it. */
export interface LiveView {
  state: 'healthy' | 'unhealthy' | 'restarting' | 'failed' | 'degraded' | 'stopped';
  restarts: number;
  breaker: 'open' | 'closed';
  lastFailure?: { reason: string; at: string };
  nextRetryAt?: string;
}

export interface ServiceView {
  name: string;
  kind: 'container' | 'process';
  job: boolean;
  state: NodeState;
  /** Why, in a few words: the breaker, the container's state, the last probe error. */
  why: string;
  restarts: number;
  breaker: 'open' | 'closed';
  ports: { container: number; host: number; url?: string }[];
  lastProbe: ServiceStatus['lastProbe'];
  lastFailure?: { reason: string; at: string };
  nextRetryAt?: string;
}

export interface EdgeView {
  from: string;
  to: string;
  condition: Condition;
  /** `restart: true`: the dependent is restarted when this dependency is replaced. */
  restart: boolean;
}

/** Probe types that speak HTTP on their port: their published port is shown as a link. */
const HTTP_PROBES = new Set(['http', 'qdrant', 'prometheus', 'grafana']);

/** One service's node, from `status` and (when it supervises it) the supervisor's live state. */
export function serviceView(spec: StackSpec, status: ServiceStatus, live: LiveView | undefined): ServiceView {
  const s = spec.services[status.name]!;
  const probePort = s.probe && 'port' in s.probe ? s.probe.port : undefined;
  const { state, why } = nodeState(status, live, s.job);
  return {
    name: status.name,
    kind: s.kind,
    job: s.job,
    state,
    why,
    restarts: Math.max(status.restarts, live?.restarts ?? 0),
    breaker: live?.breaker ?? 'closed',
    ports: status.ports.map((p) => ({
      container: p.container,
      host: p.host,
      ...(s.probe && HTTP_PROBES.has(s.probe.type) && p.container === probePort ? { url: `http://127.0.0.1:${p.host}` } : {}),
    })),
    lastProbe: status.lastProbe,
    ...(live?.lastFailure ? { lastFailure: live.lastFailure } : {}),
    ...(live?.nextRetryAt ? { nextRetryAt: live.nextRetryAt } : {}),
  };
}

/** The node's state: the breaker and healing first, then what the runtime and the last probe say. */
export function nodeState(status: ServiceStatus, live: LiveView | undefined, job: boolean): { state: NodeState; why: string } {
  if (live?.breaker === 'open' || live?.state === 'failed')
    return { state: 'failed', why: `breaker open${live.lastFailure ? `: ${live.lastFailure.reason}` : ''}` };
  if (live?.state === 'restarting') return { state: 'restarting', why: live.lastFailure ? `restarting after: ${live.lastFailure.reason}` : 'restarting' };
  if (job && status.health === 'completed') return { state: 'completed', why: 'completed (exit 0)' };
  if (status.state === 'absent' || status.state === 'exited' || status.state === 'dead' || status.state === 'created')
    return { state: job && status.state === 'created' ? 'starting' : 'stopped', why: status.state === 'absent' ? 'not created' : status.state };
  if (status.state === 'restarting') return { state: 'restarting', why: 'the engine is restarting it' };
  if (status.state === 'paused') return { state: 'unhealthy', why: 'paused' };
  if (live?.state === 'unhealthy' || live?.state === 'degraded' || status.health === 'unhealthy')
    return { state: 'unhealthy', why: status.lastProbe?.error ?? (live?.state === 'degraded' ? 'a dependency is down' : 'unhealthy') };
  if (live?.state === 'stopped') return { state: 'stopped', why: 'stopped by hand; not healed' };
  if (status.health === 'unknown') return { state: 'starting', why: 'not probed yet' };
  return { state: 'healthy', why: status.health === 'no-probe' ? 'running (no probe)' : 'healthy' };
}

export function edgesOf(spec: StackSpec): EdgeView[] {
  return Object.values(spec.services).flatMap((s) =>
    s.dependsOn.map((d) => ({ from: d.service, to: s.name, condition: d.condition, restart: d.restart === true })),
  );
}
