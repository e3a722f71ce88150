/**
 * From compose's normalized model to Docker Swarm service specs, without I/O — what `docker stack deploy`
 * would make, named and labelled the same way (`<stack>_<service>`, `com.docker.stack.namespace`), so that
 * `docker stack ps/services/rm` see it.
 *
 * Unlike `docker stack deploy`, nothing is dropped silently: a key swarm cannot honour is a problem with
 * its fix (swarmProblems), and the stack refuses to deploy until it is solved. Decided:
 * - compose's `restart` is mapped to the restart policy (no → none, on-failure[:N] → on-failure, N attempts;
 *   always / unless-stopped → any); `deploy.restart_policy` wins when both are set;
 * - `mem_limit` and `cpus` are mapped to resource limits (stack deploy ignores them), `deploy.resources` wins;
 * - `build` is fine when the service names its image (stack never builds: build and push it first); without
 *   one it is a problem;
 * - compose's `depends_on` is ignored by swarm, so each one must be in stack.yaml's graph (which stack does
 *   honour); one that is not is a problem, not a lost ordering;
 * - `deploy.mode: global` is a problem for now: a service is created with 0 replicas and scaled up in its turn
 *   in the graph, which a global service cannot be.
 */
import { createHash } from 'node:crypto';
import {
  argv,
  bytes,
  COMMON_SERVICE_KEYS,
  durationNs,
  environment,
  extraHosts,
  list,
  serviceNetworks,
  str,
  stringMap,
  toHealthcheck,
  toMount,
  toPorts,
  ulimits,
  type ComposeMap,
  type ComposeModel,
  type ComposeValue,
} from '../container-spec.js';

export const NAMESPACE_LABEL = 'com.docker.stack.namespace';
/** Our own labels on a service: the hash of the spec we sent, and the replicas it runs at when started. */
export const HASH_LABEL = 'dev.stack.config-hash';
export const REPLICAS_LABEL = 'dev.stack.replicas';

/** Keys of a compose service the swarm target translates. */
const SWARM_KEYS = new Set<string>([
  ...COMMON_SERVICE_KEYS,
  'hostname',
  'extra_hosts',
  'init',
  'stop_signal',
  'logging',
  'ulimits',
  'deploy',
  'sysctls',
  'dns',
  'dns_search',
]);

/** Why a key has no swarm equivalent, and what to do instead; keys not listed get a generic answer. */
const NOT_ON_SWARM: Record<string, string> = {
  network_mode: 'swarm tasks join overlay networks only: use `networks:` instead',
  privileged: 'swarm services cannot run privileged: use cap_add for the capabilities it needs',
  devices: 'swarm services cannot map host devices: run this service with the compose target',
  links: 'links are legacy: services on the same network reach each other by name; remove it',
  external_links: 'remove it and put the services on a shared (external) network',
  pid: 'swarm services cannot share a PID namespace: run this service with the compose target',
  ipc: 'swarm services cannot share an IPC namespace: run this service with the compose target',
  shm_size: 'swarm services have no shm_size: mount a tmpfs at /dev/shm instead',
  security_opt: 'swarm services take no security_opt: run this service with the compose target',
  userns_mode: 'swarm has no per-service user namespace: remove it',
  cgroup_parent: 'swarm has no cgroup_parent: remove it',
  secrets: 'swarm secrets are not carried over yet: pass the value through environment from the stack env file',
  configs: 'swarm configs are not carried over yet: bake the file into the image or bind-mount it',
  mem_reservation: 'use deploy.resources.reservations.memory',
  pids_limit: 'use deploy.resources.limits.pids (Engine 20.10+)',
};

const DEPLOY_KEYS = new Set(['mode', 'replicas', 'resources', 'restart_policy', 'placement', 'labels', 'update_config', 'rollback_config', 'endpoint_mode']);

export interface SwarmProblem {
  /** An error refuses the deploy; a warning is printed (what swarm does differently, said out loud). */
  severity: 'error' | 'warning';
  service: string;
  key: string;
  message: string;
  fix: string;
}

export interface SwarmStack {
  /** The stack's namespace: the stack.yaml name (the compose project name). */
  namespace: string;
  /** Values for `environment` entries without one. */
  env: Readonly<Record<string, string | undefined>>;
  /** The compose services each compose service is ordered after by stack.yaml (transitively). */
  orderedAfter: (composeService: string) => ReadonlySet<string>;
  /**
   * false where swarm's routing mesh cannot work (no IPVS in the kernel: some WSL2, CI and nested kernels):
   * ports are then published in host mode on the node that runs the task, and services find each other by
   * DNS round-robin instead of a virtual IP. Default true.
   */
  mesh?: boolean;
}

export interface SwarmServicePlan {
  service: string;
  /** `<namespace>_<service>`, as docker stack deploy names it. */
  name: string;
  image: string;
  /** The replicas it runs at once started (it is created with 0). */
  replicas: number;
  /** The service spec for the engine API, created with 0 replicas; its HASH_LABEL covers everything else. */
  spec: Record<string, unknown>;
  /** Project networks (keys) and named volumes (keys) it uses. */
  networks: string[];
  volumes: string[];
}

export interface SwarmNetworkPlan {
  key: string;
  name: string;
  external: boolean;
  body: Record<string, unknown>;
}

export const swarmName = (namespace: string, key: string) => `${namespace}_${key}`;

/** Every key of these services (and the networks they use) that swarm cannot honour, each with its fix; and what it does differently. */
export function swarmProblems(model: ComposeModel, services: readonly string[], stack: SwarmStack): SwarmProblem[] {
  const problems: SwarmProblem[] = [];
  const nets = swarmNetworks(model, stack.namespace);
  for (const service of services) {
    const s = model.services[service];
    if (!s) continue;
    const at = (key: string, message: string, fix: string) => problems.push({ service, key: `services.${service}.${key}`, message, fix, severity: 'error' });
    const warn = (key: string, message: string, fix: string) =>
      problems.push({ service, key: `services.${service}.${key}`, message, fix, severity: 'warning' });
    for (const key of Object.keys(s)) {
      if (SWARM_KEYS.has(key)) continue;
      at(
        key,
        `${key} has no swarm equivalent (docker stack deploy would drop it silently)`,
        NOT_ON_SWARM[key] ?? 'remove it, or run this stack with the compose target',
      );
    }
    if (str(s['image']) === undefined)
      at('build', 'swarm does not build images and this service names no image', 'add image: REGISTRY/NAME:TAG, build and push it, and let the nodes pull it');
    if (s['network_mode'] === undefined) {
      for (const n of serviceNetworks(s['networks'])) {
        const plan = nets.get(n.key);
        if (plan && 'unsupported' in plan) at(`networks.${n.key}`, plan.unsupported, 'use the overlay driver (the default on swarm) or an external network');
      }
    }
    const deploy = (s['deploy'] ?? {}) as ComposeMap;
    for (const key of Object.keys(deploy)) if (!DEPLOY_KEYS.has(key)) at(`deploy.${key}`, `deploy.${key} is not read by stack's swarm target`, 'remove it');
    if (deploy['mode'] !== undefined && deploy['mode'] !== 'replicated')
      at(
        'deploy.mode',
        `deploy.mode ${String(deploy['mode'])} is not supported: stack starts each service in its turn by scaling it up`,
        'use deploy.replicas',
      );
    for (const raw of list(s['volumes'])) {
      const m = toMount(raw);
      if (!m) at('volumes', `a volume entry stack cannot read: ${JSON.stringify(raw)}`, 'write it as SOURCE:TARGET[:ro] or in long syntax');
      else if (m.type === 'volume' && m.source && !(m.source in (model.volumes ?? {})))
        at('volumes', `uses undeclared volume ${m.source}`, `declare it under the top-level volumes: key`);
    }
    for (const raw of list(s['ports'])) {
      const ps = toPorts(raw);
      if (!ps) at('ports', `a port entry stack cannot read: ${JSON.stringify(raw)}`, 'write it as [HOST:]CONTAINER[/PROTO] or in long syntax');
      else if (ps.some((p) => p.hostIp !== '' && p.hostIp !== '0.0.0.0'))
        warn(
          'ports',
          `publishes on ${ps[0]!.hostIp} for the compose target; swarm's routing mesh has no host address and publishes it on every address of every node`,
          "firewall the swarm's nodes, or leave the port unpublished and reach the service from the swarm's own network",
        );
    }
    const deps = s['depends_on'];
    const named: [string, ComposeMap][] = Array.isArray(deps) ? deps.map((d) => [String(d), {}]) : (Object.entries(deps ?? {}) as [string, ComposeMap][]);
    const ordered = stack.orderedAfter(service);
    for (const [dep, d] of named) {
      if (ordered.has(dep)) continue;
      const condition = str(d?.['condition']) ?? 'service_started';
      at(
        `depends_on.${dep}`,
        `compose orders it after ${dep} (${condition}), which swarm ignores, and stack.yaml does not`,
        `add ${dep} to its depends_on in stack.yaml, so stack orders and gates it on every target`,
      );
    }
  }
  return problems;
}

/** The project's networks as swarm overlay networks, or why one cannot be. */
export function swarmNetworks(model: ComposeModel, namespace: string): Map<string, SwarmNetworkPlan | { unsupported: string }> {
  const out = new Map<string, SwarmNetworkPlan | { unsupported: string }>();
  for (const [key, raw] of Object.entries({ default: null, ...(model.networks ?? {}) })) {
    const n = (raw ?? {}) as ComposeMap;
    const driver = str(n['driver']) ?? 'overlay';
    const external = n['external'] === true || (typeof n['external'] === 'object' && n['external'] !== null);
    const name = str(n['name']) ?? swarmName(namespace, key);
    if (!external && driver !== 'overlay') {
      out.set(key, { unsupported: `network ${key} uses the ${driver} driver, which spans one machine only` });
      continue;
    }
    out.set(key, {
      key,
      name,
      external,
      body: {
        Name: name,
        Driver: 'overlay',
        Attachable: true,
        CheckDuplicate: true,
        Internal: n['internal'] === true,
        Options: stringMap(n['driver_opts']),
        Labels: { ...stringMap(n['labels']), [NAMESPACE_LABEL]: namespace },
      },
    });
  }
  return out;
}

/** One service's swarm spec (created with 0 replicas), or undefined when compose has no such service. */
export function swarmServicePlan(model: ComposeModel, service: string, stack: SwarmStack): SwarmServicePlan | undefined {
  const s = model.services[service];
  if (!s) return undefined;
  const ns = stack.namespace;
  const image = str(s['image']) ?? '';
  const deploy = (s['deploy'] ?? {}) as ComposeMap;
  const nets = swarmNetworks(model, ns);
  const joined = serviceNetworks(s['networks']);
  const networks = joined.flatMap((n) => {
    const plan = nets.get(n.key);
    return plan && !('unsupported' in plan) ? [{ Target: plan.name, Aliases: [service, ...n.aliases] }] : [];
  });

  const mounts: Record<string, unknown>[] = [];
  const volumes: string[] = [];
  for (const raw of list(s['volumes'])) {
    const m = toMount(raw);
    if (!m) continue;
    if (m.type === 'tmpfs') mounts.push({ Type: 'tmpfs', Target: m.target, ...(m.size ? { TmpfsOptions: { SizeBytes: m.size } } : {}) });
    else if (m.type === 'volume' && m.source) {
      const declared = ((model.volumes ?? {})[m.source] ?? {}) as ComposeMap;
      const external = declared['external'] === true || (typeof declared['external'] === 'object' && declared['external'] !== null);
      volumes.push(m.source);
      mounts.push({
        Type: 'volume',
        Source: str(declared['name']) ?? (external ? m.source : swarmName(ns, m.source)),
        Target: m.target,
        ReadOnly: m.readOnly,
        VolumeOptions: {
          Labels: { ...stringMap(declared['labels']), [NAMESPACE_LABEL]: ns },
          ...(declared['driver'] ? { DriverConfig: { Name: str(declared['driver']), Options: stringMap(declared['driver_opts']) } } : {}),
        },
      });
    } else if (m.type === 'volume') mounts.push({ Type: 'volume', Target: m.target, ReadOnly: m.readOnly });
    else mounts.push({ Type: 'bind', Source: m.source, Target: m.target, ReadOnly: m.readOnly });
  }
  for (const t of list(s['tmpfs'])) mounts.push({ Type: 'tmpfs', Target: String(t).split(':')[0] });

  const ports = list(s['ports'])
    .flatMap((p) => toPorts(p) ?? [])
    .map((p) => ({
      Protocol: p.protocol,
      TargetPort: p.target,
      // Random (unset) published ports: swarm assigns one from 30000-32767.
      ...(/^[1-9]\d*$/.test(p.published) ? { PublishedPort: Number(p.published) } : {}),
      PublishMode: stack.mesh === false || p.mode === 'host' ? 'host' : 'ingress',
    }));

  const labels = { ...stringMap(s['labels']), [NAMESPACE_LABEL]: ns };
  const limits = ((deploy['resources'] as ComposeMap | undefined)?.['limits'] ?? {}) as ComposeMap;
  const reservations = ((deploy['resources'] as ComposeMap | undefined)?.['reservations'] ?? {}) as ComposeMap;
  const memory = bytes(limits['memory']) ?? bytes(s['mem_limit']);
  const cpus = limits['cpus'] ?? s['cpus'];
  const healthcheck = toHealthcheck(s['healthcheck']);
  const logging = (s['logging'] ?? {}) as ComposeMap;
  const placement = (deploy['placement'] ?? {}) as ComposeMap;
  const replicas = deploy['replicas'] === undefined ? 1 : Number(deploy['replicas']);
  const grace = s['stop_grace_period'] === undefined ? undefined : durationNs(s['stop_grace_period']);

  const containerSpec: Record<string, unknown> = {
    Image: image,
    Labels: labels,
    Env: environment(s['environment'], stack.env),
    ...(s['entrypoint'] !== undefined ? { Command: argv(s['entrypoint']) } : {}),
    ...(s['command'] !== undefined ? { Args: argv(s['command']) } : {}),
    ...(s['working_dir'] !== undefined ? { Dir: String(s['working_dir']) } : {}),
    ...(s['user'] !== undefined ? { User: String(s['user']) } : {}),
    ...(s['hostname'] !== undefined ? { Hostname: String(s['hostname']) } : {}),
    ...(s['extra_hosts'] ? { Hosts: extraHosts(s['extra_hosts']).map((h) => h.split(':').reverse().join(' ')) } : {}),
    ...(s['cap_add'] ? { CapabilityAdd: list(s['cap_add']).map(String) } : {}),
    ...(s['cap_drop'] ? { CapabilityDrop: list(s['cap_drop']).map(String) } : {}),
    ...(s['init'] !== undefined ? { Init: s['init'] === true } : {}),
    ...(s['stop_signal'] !== undefined ? { StopSignal: String(s['stop_signal']) } : {}),
    ...(grace !== undefined ? { StopGracePeriod: grace } : {}),
    ...(s['tty'] === true ? { TTY: true } : {}),
    ...(s['stdin_open'] === true ? { OpenStdin: true } : {}),
    ...(s['read_only'] === true ? { ReadOnly: true } : {}),
    ...(s['ulimits'] ? { Ulimits: ulimits(s['ulimits']) } : {}),
    ...(s['sysctls'] ? { Sysctls: stringMap(s['sysctls']) } : {}),
    ...(s['dns'] || s['dns_search'] ? { DNSConfig: { Nameservers: list(s['dns']).map(String), Search: list(s['dns_search']).map(String) } } : {}),
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
    ...(mounts.length ? { Mounts: mounts } : {}),
  };
  const spec: Record<string, unknown> = {
    Name: swarmName(ns, service),
    Labels: { ...stringMap(deploy['labels']), [NAMESPACE_LABEL]: ns, 'com.docker.stack.image': image },
    TaskTemplate: {
      ContainerSpec: containerSpec,
      RestartPolicy: restartPolicy(deploy['restart_policy'], s['restart']),
      ...(memory !== undefined || cpus !== undefined || Object.keys(reservations).length
        ? {
            Resources: {
              Limits: { ...(memory !== undefined ? { MemoryBytes: memory } : {}), ...(cpus !== undefined ? { NanoCPUs: Math.round(Number(cpus) * 1e9) } : {}) },
              Reservations: {
                ...(reservations['memory'] !== undefined ? { MemoryBytes: bytes(reservations['memory']) } : {}),
                ...(reservations['cpus'] !== undefined ? { NanoCPUs: Math.round(Number(reservations['cpus']) * 1e9) } : {}),
              },
            },
          }
        : {}),
      Placement: {
        Constraints: list(placement['constraints']).map(String),
        Preferences: list(placement['preferences']).map((p) => ({ Spread: { SpreadDescriptor: String((p as ComposeMap)['spread']) } })),
        ...(placement['max_replicas_per_node'] !== undefined ? { MaxReplicas: Number(placement['max_replicas_per_node']) } : {}),
      },
      Networks: networks,
      ...(logging['driver'] ? { LogDriver: { Name: str(logging['driver']), Options: stringMap(logging['options']) } } : {}),
    },
    Mode: { Replicated: { Replicas: 0 } },
    UpdateConfig: updateConfig(deploy['update_config']),
    RollbackConfig: updateConfig(deploy['rollback_config'], 'pause'),
    EndpointSpec: { Mode: stack.mesh === false ? 'dnsrr' : (str(deploy['endpoint_mode']) ?? 'vip'), ...(ports.length ? { Ports: ports } : {}) },
  };
  const hash = createHash('sha256').update(JSON.stringify(spec)).digest('hex');
  (spec['Labels'] as Record<string, string>)[HASH_LABEL] = hash;
  (spec['Labels'] as Record<string, string>)[REPLICAS_LABEL] = String(replicas);
  return { service, name: swarmName(ns, service), image, replicas, spec, networks: joined.map((n) => n.key), volumes };
}

/** deploy.restart_policy, else compose's `restart`, else swarm's default (any). */
export function restartPolicy(policy: ComposeValue | undefined, restart: ComposeValue | undefined): Record<string, unknown> {
  if (policy && typeof policy === 'object' && !Array.isArray(policy)) {
    return {
      Condition: str(policy['condition']) ?? 'any',
      ...(policy['delay'] !== undefined ? { Delay: durationNs(policy['delay']) } : {}),
      ...(policy['max_attempts'] !== undefined ? { MaxAttempts: Number(policy['max_attempts']) } : {}),
      ...(policy['window'] !== undefined ? { Window: durationNs(policy['window']) } : {}),
    };
  }
  const text = str(restart);
  if (text === undefined) return { Condition: 'any' };
  if (text === 'no') return { Condition: 'none' };
  const [name, max] = text.split(':');
  if (name === 'on-failure') return { Condition: 'on-failure', ...(max ? { MaxAttempts: Number(max) } : {}) };
  return { Condition: 'any' };
}

function updateConfig(v: ComposeValue | undefined, onFailure = 'rollback'): Record<string, unknown> {
  const c = (v ?? {}) as ComposeMap;
  return {
    Parallelism: c['parallelism'] === undefined ? 1 : Number(c['parallelism']),
    FailureAction: str(c['failure_action']) ?? onFailure,
    Order: str(c['order']) ?? 'stop-first',
    ...(c['delay'] !== undefined ? { Delay: durationNs(c['delay']) } : {}),
    ...(c['monitor'] !== undefined ? { Monitor: durationNs(c['monitor']) } : {}),
    ...(c['max_failure_ratio'] !== undefined ? { MaxFailureRatio: Number(c['max_failure_ratio']) } : {}),
  };
}

/** Task states as swarm reports them, in order; `running` comes only after a container's healthcheck passed. */
export interface TaskView {
  slot?: number;
  state: string;
  desired: string;
  exitCode?: number;
  error?: string;
  timestamp: string;
  containerId?: string;
  nodeId?: string;
}

export interface ServiceView {
  state: 'created' | 'running' | 'restarting' | 'exited' | 'dead';
  running: number;
  desired: number;
  /** Tasks that failed or were rejected (swarm restarted them). */
  restarts: number;
  exitCode: number;
  /** What a gate waits for, when the service is not converged: "1 of 2 tasks running; …". */
  waiting?: string;
  /** The newest failure, with swarm's own words. */
  lastError?: string;
  startedAt?: string;
}

const FAILED = new Set(['failed', 'rejected']);

/**
 * A service's state from its tasks, as a container's would read: `running` when every replica has a running
 * task, `restarting` while swarm brings tasks up, `exited` when scaled to 0 after it ran, `created` when it
 * never ran, `dead` when its newest task was rejected (e.g. no such image on the node: it will not come).
 */
export function serviceView(tasks: readonly TaskView[], desired: number): ServiceView {
  const byTime = [...tasks].sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0));
  const current = byTime.filter((t) => t.desired === 'running' || t.desired === 'ready');
  const running = current.filter((t) => t.state === 'running');
  const failed = byTime.filter((t) => FAILED.has(t.state));
  const newest = byTime[0];
  const lastFailure = failed[0];
  const base = {
    running: running.length,
    desired,
    restarts: failed.length,
    exitCode: lastFailure?.exitCode ?? 0,
    ...(lastFailure?.error ? { lastError: `task ${lastFailure.state}: ${lastFailure.error}` } : {}),
    ...(running[0] ? { startedAt: running.map((t) => t.timestamp).sort()[0]! } : {}),
  };
  if (desired === 0) return { ...base, state: tasks.length > 0 ? 'exited' : 'created' };
  if (running.length >= desired) return { ...base, state: 'running' };
  const pending = current.filter((t) => t.state !== 'running').map((t) => t.state);
  const waiting = `${running.length} of ${desired} task${desired === 1 ? '' : 's'} running${pending.length ? ` (${[...new Set(pending)].join(', ')})` : ''}${
    base.lastError ? `; last ${base.lastError}` : ''
  }`;
  if (newest?.state === 'rejected') return { ...base, state: 'dead', waiting };
  return { ...base, state: 'restarting', waiting };
}
