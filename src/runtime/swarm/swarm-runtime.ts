/**
 * The Runtime on a Docker Swarm cluster: each compose service becomes a swarm service (service-spec.ts)
 * through the engine API of a manager node. `create` defines it with 0 replicas, `start` scales it to its
 * replicas in its turn in stack.yaml's graph, `stop` scales it to 0: the ordering and gating that
 * `docker stack deploy` lacks. Swarm keeps tasks running itself; stack adds the gate (every replica's task
 * running — swarm says so only after the container's healthcheck passed — and the typed probes from the
 * host through the routing mesh), ordered recovery of dependents and the breaker.
 */
import type Docker from 'dockerode';
import { existsSync } from 'node:fs';
import { EngineUnreachableError, StartFailedError, UsageError } from '../../core/errors.js';
import type { Endpoint } from '../../probes/types.js';
import { bytes, toPorts, type ComposeMap, type ComposeModel, type ComposeValue } from '../container-spec.js';
import { dockerFromEnv, engineEndpoint, toRuntimeEvent, type EngineEvent } from '../docker-runtime.js';
import { changedVariables } from '../api-create.js';
import { demux, engineEvents, execIn, pipeLogs, type LogStream } from '../engine-io.js';
import { hostFor } from '../host.js';
import type { ContainerInfo, CreateOptions, CreateReport, EngineFacts, PortBinding, Replacement, Runtime, RuntimeEvent, ServiceNeeds } from '../types.js';
import {
  HASH_LABEL,
  NAMESPACE_LABEL,
  REPLICAS_LABEL,
  serviceView,
  swarmNetworks,
  swarmProblems,
  swarmServicePlan,
  type SwarmProblem,
  type SwarmServicePlan,
  type SwarmStack,
  type TaskView,
} from './service-spec.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface SwarmRuntimeOptions extends SwarmStack {
  /** compose's normalized model of the stack's compose files. */
  model: () => Promise<ComposeModel>;
  /** How long stop/restart wait for the old tasks to go (ms); default: the stop timeout + 15 s. */
  settleMs?: number;
  /** The engine client (tests pass a fake); default: one for DOCKER_HOST from `env`. */
  docker?: Docker;
}

interface PublishedPort {
  TargetPort: number;
  PublishedPort?: number;
  Protocol?: string;
}

interface SwarmService {
  ID: string;
  Version: { Index: number };
  Spec: Record<string, unknown> & {
    Name: string;
    Labels?: Record<string, string>;
    Mode?: { Replicated?: { Replicas?: number } };
    TaskTemplate?: Record<string, unknown>;
  };
  Endpoint?: { Ports?: PublishedPort[] };
}

interface SwarmTask {
  ID: string;
  ServiceID: string;
  Slot?: number;
  NodeID?: string;
  CreatedAt: string;
  DesiredState: string;
  Status: {
    State: string;
    Timestamp: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
    PortStatus?: { Ports?: PublishedPort[] };
  };
}

const toView = (t: SwarmTask): TaskView => ({
  ...(t.Slot !== undefined ? { slot: t.Slot } : {}),
  state: t.Status.State,
  desired: t.DesiredState,
  timestamp: t.Status.Timestamp,
  ...(t.Status.ContainerStatus?.ExitCode !== undefined ? { exitCode: t.Status.ContainerStatus.ExitCode } : {}),
  ...(t.Status.Err ? { error: t.Status.Err } : {}),
  ...(t.Status.ContainerStatus?.ContainerID ? { containerId: t.Status.ContainerStatus.ContainerID } : {}),
  ...(t.NodeID ? { nodeId: t.NodeID } : {}),
});

/** Task states in which a task's container may still be running. */
const LIVE = new Set(['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running']);
/** A failure this recent means swarm is replacing the task itself (its restart policy). */
const RECENT_FAILURE_MS = 60_000;

/**
 * Whether swarm's routing mesh can work: STACK_SWARM_MESH=ingress|host says so; else, for an engine on this
 * machine, whether the kernel has IPVS (/proc/sys/net/ipv4/vs), which the mesh and virtual IPs need.
 */
export function meshOf(env: Env, local: boolean, hasIpvs: () => boolean = () => existsSync('/proc/sys/net/ipv4/vs')): { mesh: boolean; detected: boolean } {
  const said = env['STACK_SWARM_MESH'];
  if (said === 'host' || said === 'ingress') return { mesh: said === 'ingress', detected: false };
  return { mesh: !local || hasIpvs(), detected: true };
}

export class SwarmRuntime implements Runtime {
  private client?: Docker;
  private modelPromise?: Promise<ComposeModel>;
  private readonly ns: string;
  private readonly env: Env;
  private readonly options: SwarmRuntimeOptions;
  /** Found no routing mesh here (rather than told): said as a warning before up. */
  private readonly meshDetectedOff: boolean;

  constructor(options: SwarmRuntimeOptions) {
    this.ns = options.namespace;
    this.env = options.env;
    this.client = options.docker;
    const { mesh, detected } = meshOf(options.env, engineEndpoint(options.env).startsWith('unix://'));
    this.options = { ...options, mesh };
    this.meshDetectedOff = detected && !mesh;
  }

  private get docker(): Docker {
    return (this.client ??= dockerFromEnv(this.env));
  }

  private model(): Promise<ComposeModel> {
    this.modelPromise ??= this.options.model();
    this.modelPromise.catch(() => (this.modelPromise = undefined));
    return this.modelPromise;
  }

  private async plan(service: string): Promise<SwarmServicePlan> {
    const plan = swarmServicePlan(await this.model(), service, this.options);
    if (!plan) throw new StartFailedError(`compose has no service "${service}"`, 'Check the compose files stack.yaml names.');
    return plan;
  }

  /** Refuses, with every problem and its fix, services that use what swarm cannot honour. */
  private async assertSupported(services: readonly string[]): Promise<void> {
    const problems = swarmProblems(await this.model(), services, this.options).filter((p) => p.severity === 'error');
    if (problems.length > 0) throw unsupportedError(problems);
  }

  async ping(): Promise<void> {
    let info: { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
    try {
      info = (await this.docker.info()) as typeof info;
    } catch (err) {
      throw new EngineUnreachableError(engineEndpoint(this.env), err);
    }
    if (info.Swarm?.LocalNodeState !== 'active')
      throw new UsageError(
        `the engine at ${engineEndpoint(this.env)} is not part of a swarm (target: swarm)`,
        'Run `docker swarm init` on it (or point DOCKER_HOST at a manager of your swarm), or use the compose target (--target compose).',
      );
    if (!info.Swarm.ControlAvailable)
      throw new UsageError(
        `the engine at ${engineEndpoint(this.env)} is a swarm worker, not a manager`,
        'Point DOCKER_HOST at a manager node (`docker node ls` on a manager lists them).',
      );
  }

  private node?: Promise<string | undefined>;
  /** The swarm node of the engine stack talks to (asked once). */
  private nodeId(): Promise<string | undefined> {
    this.node ??= (this.docker.info() as Promise<{ Swarm?: { NodeID?: string } }>).then((i) => i.Swarm?.NodeID);
    this.node.catch(() => (this.node = undefined));
    return this.node;
  }

  private async services(): Promise<Map<string, SwarmService>> {
    const list = (await this.docker.listServices({ filters: { label: [`${NAMESPACE_LABEL}=${this.ns}`] } })) as unknown as SwarmService[];
    return new Map(list.map((s) => [s.Spec.Name.slice(this.ns.length + 1), s]));
  }

  private async find(service: string): Promise<SwarmService | undefined> {
    const list = (await this.docker.listServices({ filters: { name: [`${this.ns}_${service}`] } })) as unknown as SwarmService[];
    return list.find((s) => s.Spec.Name === `${this.ns}_${service}`);
  }

  private async tasks(serviceIds: readonly string[]): Promise<SwarmTask[]> {
    if (serviceIds.length === 0) return [];
    return (await this.docker.listTasks({ filters: { service: [...serviceIds] } })) as unknown as SwarmTask[];
  }

  /** Overlay networks the planned services join, created when missing (attachable, labelled with the stack). */
  private async ensureNetworks(plans: readonly SwarmServicePlan[]): Promise<void> {
    const nets = swarmNetworks(await this.model(), this.ns);
    const wanted = [...new Set(plans.flatMap((p) => p.networks))].flatMap((k) => {
      const n = nets.get(k);
      return n && !('unsupported' in n) ? [n] : [];
    });
    const existing = new Set(((await this.docker.listNetworks()) as { Name: string }[]).map((n) => n.Name));
    for (const n of wanted) {
      if (existing.has(n.name)) continue;
      if (n.external)
        throw new StartFailedError(
          `the external network ${n.name} does not exist`,
          `Create it first: docker network create --driver overlay --attachable ${n.name}`,
        );
      await this.docker.createNetwork(n.body as unknown as Docker.NetworkCreateOptions);
    }
  }

  /**
   * Updates the service to `change(its spec now)`. Swarm versions every spec and refuses an update made from
   * an older version ("update out of sequence") — which happens right after a create, while swarm still
   * completes the service itself: then the service is read again and the change made again.
   */
  private async update(found: SwarmService, change: (spec: SwarmService['Spec']) => Record<string, unknown>): Promise<void> {
    let current = found;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.docker.getService(current.ID).update({ _query: { version: current.Version.Index }, _body: change(current.Spec) } as never);
        return;
      } catch (err) {
        const text = String((err as { json?: { message?: string } }).json?.message ?? (err as Error).message);
        const again = attempt < 10 && /out of sequence/i.test(text) ? await this.find(current.Spec.Name.slice(this.ns.length + 1)) : undefined;
        if (!again)
          throw new StartFailedError(
            `swarm refused to update ${current.Spec.Name}: ${text}`,
            '`docker service inspect` shows the service as swarm has it.',
            [],
            err,
          );
        current = again;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  }

  async create(services: readonly string[], options: CreateOptions = {}): Promise<CreateReport[]> {
    await this.assertSupported(services);
    const plans = await Promise.all(services.map((s) => this.plan(s)));
    await this.ensureNetworks(plans);
    const existing = await this.services();
    const reports: CreateReport[] = [];
    for (const plan of plans) {
      const found = existing.get(plan.service);
      if (found && found.Spec.Labels?.[HASH_LABEL] === hashOf(plan)) {
        reports.push({ service: plan.service, via: 'swarm', action: 'kept' });
      } else if (found) {
        const reason = describeChange(found.Spec, plan.spec);
        await this.update(found, () => plan.spec);
        reports.push({ service: plan.service, via: 'swarm', action: 'recreated', reason });
      } else {
        await this.createService(plan);
        reports.push({ service: plan.service, via: 'swarm', action: 'created' });
      }
      options.onCreated?.(plan.service);
    }
    return reports;
  }

  private async createService(plan: SwarmServicePlan): Promise<void> {
    try {
      await this.docker.createService(plan.spec as never);
    } catch (err) {
      const text = String((err as { json?: { message?: string } }).json?.message ?? (err as Error).message);
      throw new StartFailedError(`swarm refused service ${plan.name}: ${text}`, undefined, [], err);
    }
  }

  async preview(services: readonly string[]): Promise<CreateReport[]> {
    await this.assertSupported(services);
    const existing = await this.services();
    return Promise.all(
      services.map(async (service): Promise<CreateReport> => {
        const plan = await this.plan(service);
        const found = existing.get(service);
        if (!found) return { service, via: 'swarm', action: 'created' };
        if (found.Spec.Labels?.[HASH_LABEL] === hashOf(plan)) return { service, via: 'swarm', action: 'kept' };
        return { service, via: 'swarm', action: 'recreated', reason: describeChange(found.Spec, plan.spec) };
      }),
    );
  }

  async orphans(): Promise<string[]> {
    const model = await this.model();
    return [...(await this.services()).keys()].filter((s) => !(s in model.services)).sort();
  }

  async removeOrphan(service: string, timeoutSeconds: number): Promise<void> {
    await this.stop(service, timeoutSeconds);
    const found = await this.find(service);
    if (found) await this.docker.getService(found.ID).remove();
  }

  /** The service is updated to its new definition at 0 replicas (its tasks stop); `start` scales it up; rollback puts the old spec back. */
  async replace(service: string): Promise<Replacement> {
    await this.assertSupported([service]);
    const found = await this.find(service);
    const plan = await this.plan(service);
    const noop = async () => {};
    if (!found) {
      await this.create([service]);
      return { reason: 'it did not exist', canRollBack: false, commit: noop, rollback: noop };
    }
    const previous = found.Spec;
    const wasRunning = (previous.Mode?.Replicated?.Replicas ?? 0) > 0;
    const reason = describeChange(previous, plan.spec);
    await this.update(found, () => plan.spec);
    await this.settled(service, 30_000);
    return {
      reason,
      canRollBack: true,
      commit: noop,
      rollback: async () => {
        const now = await this.find(service);
        if (!now) return;
        await this.update(now, () => previous);
        if (!wasRunning) return;
        await this.settled(service, 30_000);
      },
    };
  }

  async needs(services: readonly string[]): Promise<ServiceNeeds[]> {
    const [model, existing, images, info] = await Promise.all([
      this.model(),
      this.services(),
      this.docker.listImages() as Promise<{ RepoTags?: string[] }[]>,
      this.docker.info() as Promise<{ Swarm?: { Nodes?: number } }>,
    ]);
    const tags = new Set(images.flatMap((i) => i.RepoTags ?? []));
    const nodes = info.Swarm?.Nodes ?? 1;
    const problems = swarmProblems(model, services, this.options);
    return services.map((service) => {
      const s = model.services[service] ?? {};
      const image = typeof s['image'] === 'string' ? s['image'] : undefined;
      const limits = ((s['deploy'] as ComposeMap | undefined)?.['resources'] as ComposeMap | undefined)?.['limits'] as ComposeMap | undefined;
      const memoryBytes = bytes(limits?.['memory']) ?? bytes(s['mem_limit'] as ComposeValue);
      const ports = (Array.isArray(s['ports']) ? s['ports'] : []).flatMap((p) => toPorts(p as ComposeValue) ?? []);
      const local = image !== undefined && (tags.has(image) || tags.has(`${image}:latest`));
      const own = problems.filter((p) => p.service === service);
      const running = (existing.get(service)?.Spec.Mode?.Replicated?.Replicas ?? 0) > 0;
      return {
        service,
        running,
        // The routing mesh publishes on every node; this one is the one stack can check.
        hostPorts: ports.flatMap((p) => (/^[1-9]\d*$/.test(p.published) ? [{ ip: '', port: Number(p.published), protocol: p.protocol }] : [])),
        ...(memoryBytes ? { memoryBytes } : {}),
        ...(image && !local && !/^[^/]+[.:][^/]*\//.test(image) ? { missingImage: image } : {}),
        problems: [
          ...own.map((p) => ({ severity: p.severity, key: p.key, message: p.message, fix: p.fix })),
          ...(this.meshDetectedOff && ports.length > 0
            ? [
                {
                  severity: 'warning' as const,
                  key: `services.${service}.ports`,
                  message:
                    "this machine's kernel has no IPVS, so swarm's routing mesh cannot work: ports are published in host mode, on the node that runs the task, and services find each other by DNS round-robin",
                  fix: 'load the ip_vs kernel module for the routing mesh, or set STACK_SWARM_MESH=host to choose host mode (and silence this)',
                },
              ]
            : []),
          ...(nodes > 1 && image && !/^[^/]+[.:][^/]*\//.test(image)
            ? [
                {
                  severity: 'warning' as const,
                  key: `services.${service}.image`,
                  message: `the swarm has ${nodes} nodes and ${image} names no registry: only nodes that have it can run ${service}`,
                  fix: 'push it to a registry every node reaches (e.g. localhost:5000/NAME) and name it so in the compose file',
                },
              ]
            : []),
        ],
      };
    });
  }

  async engineFacts(): Promise<EngineFacts> {
    const [info, version] = await Promise.all([this.docker.info() as Promise<{ DockerRootDir?: string; MemTotal?: number }>, this.docker.version()]);
    return {
      ...(engineEndpoint(this.env).startsWith('unix://') && info.DockerRootDir ? { localDataRoot: info.DockerRootDir } : {}),
      ...(info.MemTotal ? { memTotalBytes: info.MemTotal } : {}),
      version: version.Version,
      apiVersion: version.ApiVersion,
    };
  }

  async inspect(service: string): Promise<ContainerInfo | undefined> {
    const found = await this.find(service);
    if (!found) return undefined;
    return this.toInfo(service, found, await this.tasks([found.ID]));
  }

  async inspectAll(): Promise<Map<string, ContainerInfo>> {
    const all = await this.services();
    const tasks = await this.tasks([...all.values()].map((s) => s.ID));
    return new Map([...all].map(([service, found]) => [service, this.toInfo(service, found, tasks)]));
  }

  private toInfo(service: string, found: SwarmService, tasks: readonly SwarmTask[]): ContainerInfo {
    const own = tasks.filter((t) => t.ServiceID === found.ID);
    const view = serviceView(own.map(toView), found.Spec.Mode?.Replicated?.Replicas ?? 0);
    const healthcheck = (found.Spec.TaskTemplate?.['ContainerSpec'] as { Healthcheck?: { Test?: string[] } } | undefined)?.Healthcheck;
    const checked = healthcheck !== undefined && healthcheck.Test?.[0] !== 'NONE';
    return {
      id: found.ID,
      name: found.Spec.Name,
      service,
      state: view.state,
      exitCode: view.exitCode,
      oomKilled: false,
      // Swarm reports a task running only once its healthcheck passed.
      ...(checked ? { health: view.state === 'running' ? 'healthy' : 'starting' } : {}),
      restartCount: view.restarts,
      ...(view.startedAt ? { startedAt: view.startedAt } : {}),
      ports: publishedPorts(found, own),
      ...(view.lastError ? { error: view.lastError } : {}),
    };
  }

  async converged(service: string): Promise<string | undefined> {
    const found = await this.find(service);
    if (!found) return 'its swarm service is gone';
    const view = serviceView((await this.tasks([found.ID])).map(toView), found.Spec.Mode?.Replicated?.Replicas ?? 0);
    return view.state === 'running' ? undefined : `swarm: ${view.waiting ?? view.state}`;
  }

  /** Scales it up to its replicas; swarm schedules the tasks, the gate waits for them. */
  async start(service: string): Promise<void> {
    const found = await this.find(service);
    if (!found) throw new StartFailedError(`no swarm service exists for "${service}"`, 'Run `stack up --target swarm` to create it.');
    const replicas = Number(found.Spec.Labels?.[REPLICAS_LABEL] ?? 1);
    if ((found.Spec.Mode?.Replicated?.Replicas ?? 0) === replicas) return;
    await this.update(found, (spec) => ({ ...spec, Mode: { Replicated: { Replicas: replicas } } }));
  }

  /**
   * Scales it to 0 and waits for its tasks to stop. A task stops within its own grace period (the one it was
   * created with); one still running after `timeoutSeconds` on the node stack talks to is killed there, as
   * `docker stop -t` would (tasks on other nodes get their own grace period).
   */
  async stop(service: string, timeoutSeconds: number): Promise<void> {
    const found = await this.find(service);
    if (!found) return;
    if ((found.Spec.Mode?.Replicated?.Replicas ?? 0) !== 0) await this.update(found, (spec) => ({ ...spec, Mode: { Replicated: { Replicas: 0 } } }));
    await this.settled(service, this.options.settleMs ?? timeoutSeconds * 1000 + 15_000, undefined, timeoutSeconds * 1000);
  }

  /**
   * Swarm's restart: nothing while swarm is already replacing a task that failed (its restart policy does
   * it); otherwise a forced update (`docker service update --force`), waiting until the old tasks are gone.
   */
  async restart(service: string, timeoutSeconds: number): Promise<void> {
    const found = await this.find(service);
    if (!found) return;
    const tasks = await this.tasks([found.ID]);
    const policy = (found.Spec.TaskTemplate?.['RestartPolicy'] as { Condition?: string } | undefined)?.Condition ?? 'any';
    const recentFailure = tasks.some(
      (t) => (t.Status.State === 'failed' || t.Status.State === 'rejected') && Date.now() - Date.parse(t.Status.Timestamp) < RECENT_FAILURE_MS,
    );
    if (recentFailure && policy !== 'none') return;
    await this.update(found, (spec) => {
      const template = spec.TaskTemplate ?? {};
      return { ...spec, TaskTemplate: { ...template, ForceUpdate: Number(template['ForceUpdate'] ?? 0) + 1 } };
    });
    await this.settled(service, this.options.settleMs ?? timeoutSeconds * 1000 + 15_000, new Set(tasks.map((t) => t.ID)));
  }

  /** Until none of the service's tasks that swarm is shutting down (or, given, these old ones) still runs. */
  private async settled(service: string, withinMs: number, old?: ReadonlySet<string>, killAfterMs?: number): Promise<void> {
    const begin = Date.now();
    const until = begin + withinMs;
    const here = killAfterMs === undefined ? undefined : await this.nodeId();
    for (;;) {
      const found = await this.find(service);
      if (!found) return;
      const tasks = await this.tasks([found.ID]);
      // A forced update replaces the old tasks one by one (stop-first): done when none of them is live any more.
      const lingering = tasks.filter((t) => (old ? old.has(t.ID) : t.DesiredState !== 'running') && LIVE.has(t.Status.State));
      if (lingering.length === 0) return;
      if (killAfterMs !== undefined && Date.now() - begin >= killAfterMs)
        for (const t of lingering) {
          const id = t.Status.ContainerStatus?.ContainerID;
          if (id && t.NodeID === here)
            await this.docker
              .getContainer(id)
              .kill()
              .catch(() => undefined); // gone already
        }
      if (Date.now() > until)
        throw new StartFailedError(`swarm did not stop the old tasks of ${service} within ${Math.round(withinMs / 1000)}s`, '`docker service ps` shows them.');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async down(options: { volumes: boolean }): Promise<void> {
    const label = { label: [`${NAMESPACE_LABEL}=${this.ns}`] };
    for (const s of (await this.services()).values()) await this.docker.getService(s.ID).remove();
    // Swarm removes the tasks' containers (stopped ones too: its task history) after their service, in the
    // background; networks and volumes are in use until then. Wait for them here rather than fail.
    const until = Date.now() + 30_000;
    while (((await this.docker.listContainers({ all: true, filters: label })) as unknown[]).length > 0 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 250));
    for (;;) {
      const nets = (await this.docker.listNetworks({ filters: label })) as { Id: string }[];
      const left: unknown[] = [];
      for (const n of nets)
        await this.docker
          .getNetwork(n.Id)
          .remove()
          .catch((err: unknown) => left.push(err));
      if (left.length === 0) break;
      if (Date.now() > until) throw left[0];
      await new Promise((r) => setTimeout(r, 500));
    }
    for (const c of (await this.docker.listConfigs({ filters: label })) as { ID: string }[]) await this.docker.getConfig(c.ID).remove();
    for (const c of (await this.docker.listSecrets({ filters: label })) as { ID: string }[]) await this.docker.getSecret(c.ID).remove();
    if (!options.volumes) return;
    // Named volumes live on each node that ran a task; this removes this node's (others: `docker volume prune` there).
    const { Volumes } = (await this.docker.listVolumes({ filters: label })) as { Volumes: { Name: string }[] };
    for (const v of Volumes ?? []) await this.docker.getVolume(v.Name).remove({ force: true });
  }

  async logs(service: string, tail: number): Promise<string[]> {
    const found = await this.find(service);
    if (!found) return [];
    const raw = (await this.docker.getService(found.ID).logs({ stdout: true, stderr: true, tail, follow: false } as never)) as unknown as Buffer;
    const lines = demux(raw)
      .split('\n')
      .filter((l) => l.length > 0)
      .slice(-tail);
    // What swarm says about tasks that never ran (no such image, no node fits) is in no log: add it.
    const info = this.toInfo(service, found, await this.tasks([found.ID]));
    return info.error ? [...lines, `[swarm] ${info.error}`] : lines;
  }

  /** The current tasks' output since the oldest of them was created (for the log probe). */
  async output(service: string): Promise<string[]> {
    const found = await this.find(service);
    if (!found) return [];
    const current = (await this.tasks([found.ID])).filter((t) => t.DesiredState === 'running');
    if (current.length === 0) return [];
    const since = Math.floor(Math.min(...current.map((t) => Date.parse(t.CreatedAt))) / 1000);
    const raw = (await this.docker.getService(found.ID).logs({ stdout: true, stderr: true, since, tail: 10_000, follow: false } as never)) as unknown as Buffer;
    return demux(raw)
      .split('\n')
      .filter((l) => l.length > 0);
  }

  /** Runs in a running task's container on this node (the node whose engine stack talks to). */
  async exec(service: string, command: string[], signal: AbortSignal): Promise<{ exitCode: number; output: string }> {
    const found = await this.find(service);
    const [node, tasks] = await Promise.all([this.nodeId(), found ? this.tasks([found.ID]) : []]);
    const here = tasks.find((t) => t.Status.State === 'running' && t.NodeID === node && t.Status.ContainerStatus?.ContainerID);
    if (!here)
      throw new Error(
        `no running task of ${service} on this node: an exec probe runs through the manager's engine; give the service a placement constraint node.role==manager or use a network probe`,
      );
    return execIn(this.docker, this.docker.getContainer(here.Status.ContainerStatus!.ContainerID!), command, signal);
  }

  async endpoint(service: string, containerPort: number): Promise<Endpoint> {
    const found = await this.find(service);
    if (!found) throw new Error(`no swarm service for ${service}`);
    const tasks = await this.tasks([found.ID]);
    const p = publishedPorts(found, tasks).find((x) => x.containerPort === containerPort && x.protocol === 'tcp');
    const declared = ((found.Spec['EndpointSpec'] as { Ports?: PublishedPort[] } | undefined)?.Ports ?? []).some((x) => x.TargetPort === containerPort);
    if (!p && declared) throw new Error(`port ${containerPort} of ${service} is published in host mode by its running task, and none runs yet`);
    if (!p) throw new Error(`port ${containerPort} of ${service} is not published on the swarm; add ports: ["${containerPort}"] to the compose service`);
    // The routing mesh answers on every node: the manager stack talks to is the one to reach. A host-mode
    // port is on the node that runs the task: that node's address, unless it is the manager itself.
    const url = new URL(engineEndpoint(this.env));
    const manager = url.protocol === 'tcp:' ? url.hostname : hostFor('');
    if (p.nodeId && p.nodeId !== (await this.nodeId())) {
      const node = (await this.docker.getNode(p.nodeId).inspect()) as { Status?: { Addr?: string } };
      if (node.Status?.Addr) return { host: node.Status.Addr, port: p.hostPort };
    }
    return { host: manager, port: p.hostPort };
  }

  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    const filters = { type: ['container'], label: [`${NAMESPACE_LABEL}=${this.ns}`] };
    for await (const e of engineEvents<EngineEvent>(this.docker, filters, signal)) {
      const name = e.Actor?.Attributes?.['com.docker.swarm.service.name'] ?? '';
      yield { ...toRuntimeEvent(e), service: name.startsWith(`${this.ns}_`) ? name.slice(this.ns.length + 1) : name };
    }
  }

  async unpause(): Promise<void> {
    // Swarm tasks are not paused by stack; nothing to undo.
  }

  async streamLogs(service: string, options: { tail: number; follow: boolean }, out: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
    const found = await this.find(service);
    if (!found) throw new StartFailedError(`no swarm service exists for "${service}"`, 'Run `stack up --target swarm` to create it.');
    const stream = (await this.docker
      .getService(found.ID)
      .logs({ stdout: true, stderr: true, tail: options.tail, follow: true } as never)) as unknown as LogStream;
    await pipeLogs(this.docker, stream, false, out, options.follow, signal);
  }
}

/** What changed between a running service's spec and the planned one, by field (variables by name only). */
export function describeChange(before: Record<string, unknown>, after: Record<string, unknown>): string {
  const c = (s: Record<string, unknown>) => ((s['TaskTemplate'] as Record<string, unknown> | undefined)?.['ContainerSpec'] ?? {}) as Record<string, unknown>;
  const [a, b] = [c(before), c(after)];
  const changes: string[] = [];
  if (a['Image'] !== b['Image']) changes.push(`image ${String(a['Image'])} → ${String(b['Image'])}`);
  const env = changedVariables(a['Env'], b['Env']);
  if (env.length) changes.push(`environment ${env.join(', ')}`);
  for (const [key, label] of [
    ['Args', 'command'],
    ['Command', 'entrypoint'],
    ['Mounts', 'volumes'],
    ['Healthcheck', 'healthcheck'],
  ] as const)
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) changes.push(label);
  if (JSON.stringify(before['EndpointSpec']) !== JSON.stringify(after['EndpointSpec'])) changes.push('ports');
  const rest = (s: Record<string, unknown>) => JSON.stringify({ ...(s['TaskTemplate'] as object), ContainerSpec: undefined, ForceUpdate: undefined });
  if (rest(before) !== rest(after)) changes.push('deploy settings');
  return changes.length ? changes.join('; ') : 'its definition changed';
}

/**
 * Where a service is published: the routing mesh's ports (on every node), and host-mode ports of its running
 * tasks (on their node: a random one differs per task, so only the tasks know it).
 */
function publishedPorts(found: SwarmService, tasks: readonly SwarmTask[]): (PortBinding & { nodeId?: string })[] {
  const running = tasks.filter((t) => t.Status.State === 'running');
  const all: { p: PublishedPort; nodeId?: string }[] = [
    ...(found.Endpoint?.Ports ?? []).map((p) => ({ p })),
    ...running.flatMap((t) => (t.Status.PortStatus?.Ports ?? []).map((p) => ({ p, nodeId: t.NodeID }))),
  ];
  const out: (PortBinding & { nodeId?: string })[] = [];
  for (const { p, nodeId } of all) {
    if (!p.PublishedPort || out.some((o) => o.containerPort === p.TargetPort && o.protocol === (p.Protocol ?? 'tcp'))) continue;
    out.push({ containerPort: p.TargetPort, protocol: p.Protocol ?? 'tcp', hostIp: '', hostPort: p.PublishedPort, ...(nodeId ? { nodeId } : {}) });
  }
  return out;
}

const hashOf = (plan: SwarmServicePlan) => (plan.spec['Labels'] as Record<string, string>)[HASH_LABEL];

function unsupportedError(problems: readonly SwarmProblem[]): UsageError {
  return new UsageError(
    `these compose keys cannot run on swarm:\n${problems.map((p) => `  ${p.key}: ${p.message}\n    fix: ${p.fix}`).join('\n')}`,
    '`stack doctor --target swarm` lists them too; or run the stack with the compose target.',
  );
}
