/**
 * The Runtime on a real engine: compose creates the project once, dockerode does the rest (inspect, start,
 * stop, logs, exec, ports), so starting a service costs one API call instead of a compose CLI process.
 */
import type Docker from 'dockerode';
import Module, { createRequire } from 'node:module';
import { EngineUnreachableError, StartFailedError, UsageError } from '../core/errors.js';
import type { Endpoint } from '../probes/types.js';
import { hostFor } from './host.js';
import { demux, engineEvents, execIn, pipeLogs, type LogStream } from './engine-io.js';

export { demux };
import { whichOnPath } from '../core/which.js';
import { ComposeCli, detectCompose, hintFor, IMAGE_MISSING, type ComposeProject } from './compose-cli.js';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  ASIDE_SUFFIX,
  createContainers,
  describeChange,
  ensureResources,
  existingContainers,
  listProjectContainers,
  removeLeftoversAside,
} from './api-create.js';
import {
  bytes,
  composeLabel,
  projectResources,
  servicePlan,
  toPorts,
  type ComposeMap,
  type ComposeValue,
  type ComposeModel,
  type ContainerPlan,
  type NetworkPlan,
  type ProjectIdentity,
  type VolumePlan,
} from './container-spec.js';
import { cacheKey, executableStamps, readSnapshot, writeSnapshot, type ModelSnapshot, type ModelStore } from './model-cache.js';
import type {
  ContainerInfo,
  ContainerState,
  CreateOptions,
  CreateReport,
  EngineFacts,
  PortBinding,
  Replacement,
  Runtime,
  RuntimeEvent,
  ServiceNeeds,
} from './types.js';

/** Services per compose create call on the compose path (v1: 200 in one call did not finish in 5 minutes; in 40s, 6 s). */
const COMPOSE_BATCH = 40;

/** Where the docker CLI looks for the compose v2 plugin. */
const CLI_PLUGIN_DIRS = [
  '~/.docker/cli-plugins',
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins',
];

/** The image id of each image the model names, as the engine has it now. */
function imageIdsOf(model: ComposeModel, images: Map<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of Object.values(model.services)) {
    const tag = typeof s['image'] === 'string' ? normalizeTag(s['image']) : undefined;
    const id = tag === undefined ? undefined : images.get(tag);
    if (tag !== undefined && id !== undefined) out[tag] = id;
  }
  return out;
}

/** Image references as the engine lists them: `redis` is `redis:latest`. */
function normalizeTag(image: string): string {
  const lastSlash = image.lastIndexOf('/');
  return image.slice(lastSlash + 1).includes(':') || image.includes('@') ? image : `${image}:latest`;
}

type Env = Readonly<Record<string, string | undefined>>;

/** An engine timestamp (RFC 3339, fraction of 0–9 digits) as a string that sorts in time order. */
export function timeKey(t: string): string {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(t);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}` : t;
}

/**
 * Where a container's current run starts in its log, as an engine timestamp (undefined: the whole log is
 * this run's). Not StartedAt: the engine records that after the process is running, so a first line written
 * at once is stamped before it. The end of the previous run is the honest cut; a container never stopped
 * has no previous run; a stopped one (FinishedAt after StartedAt) is read from its last start.
 */
export function currentRunCut(state: { StartedAt: string; FinishedAt: string }): { at: string; key: string } | undefined {
  const finished = Date.parse(state.FinishedAt);
  if (!(finished > 0)) return undefined; // "0001-01-01T00:00:00Z": never stopped
  if (timeKey(state.FinishedAt) <= timeKey(state.StartedAt)) return { at: state.FinishedAt, key: timeKey(state.FinishedAt) };
  // Stopped now: the run before the last one ended at an unknown time, so the last run is read from its start.
  return { at: state.StartedAt, key: timeKey(state.StartedAt) };
}

/** The most lines of a container's current run that a log probe reads. */
const OUTPUT_LINES = 10_000;

export function engineEndpoint(env: Env = process.env): string {
  return env['DOCKER_HOST'] || 'unix:///var/run/docker.sock';
}

/**
 * dockerode (with ssh2, gRPC and protobufjs under it: ~150 ms to load) is loaded the first time a command
 * talks to the engine, not when a command merely builds a runtime: `status` answered by the supervisor never
 * loads it. It is CommonJS, so a synchronous require does.
 */
function loadDockerode(): typeof Docker {
  const require = createRequire(import.meta.url);
  for (const [from, name] of UNUSED_BY_STACK) {
    const path = require.resolve(name, { paths: [dirname(require.resolve(`${from}/package.json`))] });
    if (require.cache[path]) continue;
    const empty = new Module(path);
    Object.assign(empty, { filename: path, loaded: true, exports: {} });
    require.cache[path] = empty;
  }
  return require('dockerode') as typeof Docker;
}

/**
 * What dockerode and docker-modem require at load time for features stack never uses: BuildKit sessions
 * over gRPC (image builds through the API; compose builds images here) and ssh:// engines (refused by
 * dockerFromEnv). They are 11 MiB of RSS and ~50 ms of start-up in every process, so the modules resolve to
 * empty ones instead (test/unit/docker-runtime.test.ts checks both, and that ssh:// is refused by name).
 */
export const UNUSED_BY_STACK: readonly (readonly [string, string])[] = [
  ['dockerode', '@grpc/grpc-js'],
  ['dockerode', '@grpc/proto-loader'],
  ['docker-modem', 'ssh2'],
];

/** A dockerode client for DOCKER_HOST (unix:// or tcp://) from the given environment, else the default socket. */
export function dockerFromEnv(env: Env = process.env): Docker {
  const url = new URL(engineEndpoint(env));
  if (url.protocol === 'ssh:')
    throw new UsageError(
      `DOCKER_HOST=${url.protocol}//… is not supported`,
      'Forward the remote socket instead (ssh -L /tmp/docker.sock:/var/run/docker.sock host) and set DOCKER_HOST=unix:///tmp/docker.sock, or use a docker context with tcp://.',
    );
  const Docker = loadDockerode();
  if (url.protocol === 'unix:') return new Docker({ socketPath: url.pathname });
  if (url.protocol === 'npipe:') return new Docker({ socketPath: `//./pipe/${url.pathname.replace(/^.*\/pipe\//, '')}` });
  const tls = env['DOCKER_TLS_VERIFY'] === '1';
  return new Docker({ host: url.hostname, port: Number(url.port || (tls ? 2376 : 2375)), protocol: tls ? 'https' : 'http' });
}

export interface RuntimeOptions {
  /** Where compose's model is cached between runs (see model-cache.ts); without it every `up` asks compose. */
  modelStore?: ModelStore;
  /** `false` sends every service through the compose CLI (STACK_FAST_CREATE=0 does the same). */
  fastCreate?: boolean;
}

export class DockerRuntime implements Runtime {
  private compose?: Promise<ComposeCli>;
  private snapshot?: Promise<ModelSnapshot>;

  private client?: Docker;

  constructor(
    private readonly project: ComposeProject,
    private readonly env: Env = process.env,
    private readonly options: RuntimeOptions = {},
  ) {}

  private get docker(): Docker {
    return (this.client ??= dockerFromEnv(this.env));
  }

  private composeCli(): Promise<ComposeCli> {
    this.compose ??= detectCompose(this.env['STACK_COMPOSE'], this.env['PATH'] ?? '').then((flavor) => new ComposeCli(this.project, flavor));
    return this.compose;
  }

  /** compose's model and hashes: from the cache when nothing they depend on changed, else from compose (in parallel). */
  private modelSnapshot(images: Map<string, string>): Promise<ModelSnapshot> {
    this.snapshot ??= (async () => {
      const cli = await this.composeCli();
      const path = this.env['PATH'] ?? '';
      const key = cacheKey({
        flavor: cli.flavor,
        executables: executableStamps(
          cli.flavor === 'v1'
            ? [whichOnPath('docker-compose', path)]
            : [whichOnPath('docker', path), ...CLI_PLUGIN_DIRS.map((d) => join(d.replace(/^~/, homedir()), 'docker-compose'))],
        ),
        project: this.project.name,
        files: this.project.files,
        cwd: this.project.cwd,
        env: this.composeEnv(),
      });
      const cached = readSnapshot(this.options.modelStore, key);
      // compose v1 hashes each service's image id: a rebuilt or re-pulled image must miss.
      if (cached && (cli.flavor === 'v2' || Object.entries(cached.imageIds).every(([tag, id]) => images.get(tag) === id))) return cached;
      const [model, hashes, version] = await Promise.all([cli.model(), cli.hashes(), cli.version()]);
      const snap: ModelSnapshot = { key, flavor: cli.flavor, version, model, hashes, imageIds: cli.flavor === 'v1' ? imageIdsOf(model, images) : {} };
      writeSnapshot(this.options.modelStore, snap);
      return snap;
    })();
    this.snapshot.catch(() => (this.snapshot = undefined));
    return this.snapshot;
  }

  /** compose's model as this runtime already has it, else loaded (listing images only then). */
  private async loadedModel(): Promise<ModelSnapshot> {
    return this.snapshot ?? this.modelSnapshot(await this.imageTags());
  }

  /** Through the engine API, unless turned off (STACK_FAST_CREATE=0, or the fastCreate option). */
  private get fastPath(): boolean {
    return this.options.fastCreate !== false && this.env['STACK_FAST_CREATE'] !== '0';
  }

  /** The environment compose runs with: ours, overlaid by the stack's (its env file). */
  private composeEnv(): Env {
    return { ...process.env, ...this.project.env };
  }

  /** Every image on the engine by tag: one list call per create. */
  private async imageTags(): Promise<Map<string, string>> {
    return new Map((await this.docker.listImages()).flatMap((i) => (i.RepoTags ?? []).map((tag) => [tag, i.Id] as const)));
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (err) {
      throw new EngineUnreachableError(engineEndpoint(this.env), err);
    }
  }

  /**
   * The fast path creates what it can translate through the engine API; the rest goes to the compose CLI (in
   * batches, `--no-deps`: every service is asked for by name). Networks and volumes come first.
   */
  async create(composeServices: readonly string[], options: CreateOptions = {}): Promise<CreateReport[]> {
    const onCreated = options.onCreated ?? (() => {});
    if (!this.fastPath) {
      await this.composeCreate(composeServices, options.onlyThese ?? false, onCreated);
      return composeServices.map((service) => ({ service, via: 'compose', action: 'created', reason: 'STACK_FAST_CREATE=0' }));
    }
    const tags = await this.imageTags();
    const snap = await this.modelSnapshot(tags);
    const cli = await this.composeCli();
    const { resources, viaApi, viaCompose } = this.route(composeServices, tags, snap);
    const { networks, volumes } = resources;
    await ensureResources(
      this.docker,
      this.project.name,
      [...new Set(viaApi.flatMap((p) => p.networks))].map((k) => networks.get(k) as NetworkPlan),
      [...new Set(viaApi.flatMap((p) => p.volumes))].map((k) => volumes.get(k) as VolumePlan),
    );
    const [existing] = await Promise.all([
      existingContainers(this.docker, this.project.name),
      removeLeftoversAside(this.docker, this.project.name, composeServices),
    ]);
    const [made] = await Promise.all([
      createContainers(this.docker, viaApi, existing, onCreated),
      viaCompose.length > 0
        ? this.composeCreate(
            viaCompose.map((r) => r.service),
            true,
            onCreated,
            cli,
          )
        : undefined,
    ]);
    return [...made, ...viaCompose];
  }

  /** Which services the fast path creates through the API (and their plans), which go to compose and why. */
  private route(composeServices: readonly string[], tags: Map<string, string>, snap: ModelSnapshot) {
    const identity: ProjectIdentity = {
      name: this.project.name,
      flavor: snap.flavor,
      version: snap.version,
      files: this.project.files,
      env: this.composeEnv(),
    };
    const resources = projectResources(snap.model, identity);
    const viaApi: ContainerPlan[] = [];
    const viaCompose: CreateReport[] = [];
    for (const service of composeServices) {
      const hash = snap.hashes[service];
      const planned = hash
        ? servicePlan(snap.model, service, identity, hash, resources)
        : ({ path: 'compose', reason: 'compose gave no config hash for it' } as const);
      if (planned.path === 'api' && !tags.has(normalizeTag(planned.plan.image))) {
        viaCompose.push({
          service,
          via: 'compose',
          action: 'created',
          reason: `its image ${planned.plan.image} is not on this engine (compose pulls or builds it)`,
        });
      } else if (planned.path === 'api') viaApi.push(planned.plan);
      else viaCompose.push({ service, via: 'compose', action: 'created', reason: planned.reason });
    }
    return { resources, viaApi, viaCompose };
  }

  /**
   * What `create` would do, from the same hashes: an existing container whose config-hash label is compose's is
   * kept, any other is recreated (why: the fields that differ, for what the fast path translates).
   */
  async preview(composeServices: readonly string[]): Promise<CreateReport[]> {
    const tags = await this.imageTags();
    const snap = await this.modelSnapshot(tags);
    const fast = this.fastPath;
    const { viaApi, viaCompose } = this.route(composeServices, tags, snap);
    const existing = await existingContainers(this.docker, this.project.name);
    return Promise.all(
      composeServices.map(async (service): Promise<CreateReport> => {
        const plan = fast ? viaApi.find((p) => p.service === service) : undefined;
        const compose = fast ? viaCompose.find((r) => r.service === service) : { reason: 'STACK_FAST_CREATE=0' };
        const via = plan ? 'api' : 'compose';
        const found = existing.get(service);
        if (!found) return { service, via, action: 'created', ...(compose?.reason ? { reason: compose.reason } : {}) };
        if (!snap.hashes[service] || found.hash === snap.hashes[service]) return { service, via, action: 'kept' };
        const reason = plan ? await describeChange(this.docker, found, plan.body) : 'its compose definition changed';
        return { service, via, action: 'recreated', reason };
      }),
    );
  }

  async replace(service: string): Promise<Replacement> {
    const tags = await this.imageTags();
    const snap = await this.modelSnapshot(tags);
    const { viaApi } = this.route([service], tags, snap);
    const plan = this.fastPath ? viaApi[0] : undefined;
    const noop = async () => {};
    const [found] = await listProjectContainers(this.docker, this.project.name, service);
    if (!plan || !found) {
      // compose recreates it its own way (the old one is gone at once): nothing to roll back to.
      await this.composeCreate([service], true, () => {});
      return { reason: found ? 'its compose definition changed' : 'it did not exist', canRollBack: false, commit: noop, rollback: noop };
    }
    // A previous replacement that never finished (stack was killed mid-way) leaves its aside container: gone now.
    for (const c of await listProjectContainers(this.docker, this.project.name, service, true)) await this.docker.getContainer(c.Id).remove({ force: true });
    const old = this.docker.getContainer(found.Id);
    const reason = await describeChange(this.docker, { id: found.Id, hash: '', image: found.ImageID }, plan.body);
    const name = (found.Names[0] ?? '').replace(/^\//, '');
    const wasRunning = found.State === 'running';
    await old.stop().catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 304) throw err; // 304: already stopped
    });
    await old.rename({ name: `${name}${ASIDE_SUFFIX}` });
    try {
      await createContainers(this.docker, [plan], new Map(), () => {});
    } catch (err) {
      await old.rename({ name }).catch(() => undefined);
      await old.start().catch(() => undefined);
      throw err;
    }
    return {
      reason,
      canRollBack: true,
      commit: async () => {
        await old.remove({ force: true, v: false });
      },
      rollback: async () => {
        for (const c of await listProjectContainers(this.docker, this.project.name, service))
          await this.docker.getContainer(c.Id).remove({ force: true, v: false });
        await old.rename({ name });
        if (wasRunning) await old.start();
      },
    };
  }

  async needs(composeServices: readonly string[]): Promise<ServiceNeeds[]> {
    const tags = await this.imageTags();
    const [snap, found] = await Promise.all([this.modelSnapshot(tags), listProjectContainers(this.docker, this.project.name)]);
    const running = new Set(found.filter((c) => c.State === 'running').map((c) => c.Labels[composeLabel('service')]));
    return composeServices.map((service) => {
      const s = snap.model.services[service] ?? {};
      const image = typeof s['image'] === 'string' ? s['image'] : undefined;
      const limits = ((s['deploy'] as ComposeMap | undefined)?.['resources'] as ComposeMap | undefined)?.['limits'] as ComposeMap | undefined;
      const memoryBytes = bytes(s['mem_limit'] as ComposeValue) ?? bytes(limits?.['memory']);
      const ports = (Array.isArray(s['ports']) ? s['ports'] : []).flatMap((p) => toPorts(p as ComposeValue) ?? []);
      const features = [
        ...((s['healthcheck'] as ComposeMap | undefined)?.['start_interval'] !== undefined ? ['healthcheck.start_interval'] : []),
        ...(Object.values((s['depends_on'] ?? {}) as Record<string, ComposeMap>).some((d) => d && d['condition'] === 'service_completed_successfully')
          ? ['depends_on.condition.service_completed_successfully']
          : []),
        ...(s['profiles'] !== undefined ? ['profiles'] : []),
      ];
      return {
        service,
        running: running.has(service),
        ...(features.length ? { features } : {}),
        hostPorts: ports.flatMap((p) => (/^[1-9]\d*$/.test(p.published) ? [{ ip: p.hostIp, port: Number(p.published), protocol: p.protocol }] : [])),
        ...(memoryBytes ? { memoryBytes } : {}),
        ...(image && s['build'] === undefined && !tags.has(normalizeTag(image)) ? { missingImage: image } : {}),
      };
    });
  }

  async engineFacts(): Promise<EngineFacts> {
    const [info, version, snap] = await Promise.all([
      this.docker.info() as Promise<{ DockerRootDir?: string; MemTotal?: number }>,
      this.docker.version(),
      this.loadedModel().catch(() => undefined), // the version is all we want
    ]);
    const local = engineEndpoint(this.env).startsWith('unix://');
    return {
      ...(local && info.DockerRootDir ? { localDataRoot: info.DockerRootDir } : {}),
      ...(info.MemTotal ? { memTotalBytes: info.MemTotal } : {}),
      version: version.Version,
      apiVersion: version.ApiVersion,
      ...(snap ? { compose: { flavor: snap.flavor, version: snap.version } } : {}),
    };
  }

  /** Containers of services that are no longer in the compose files (compose's own meaning of an orphan). */
  async orphans(): Promise<string[]> {
    const snap = await this.loadedModel();
    const existing = await existingContainers(this.docker, this.project.name);
    return [...existing.keys()].filter((s) => s !== '' && !(s in snap.model.services)).sort();
  }

  async removeOrphan(service: string, timeoutSeconds: number): Promise<void> {
    for (const c of await listProjectContainers(this.docker, this.project.name, service)) {
      const container = this.docker.getContainer(c.Id);
      await container.stop({ t: timeoutSeconds }).catch(() => undefined); // already stopped
      await container.remove({ force: true, v: false }).catch((err: unknown) => {
        if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      });
    }
  }

  /** The compose CLI's `up --no-start`, in batches of 40 (v1 slows down superlinearly with many services in one call). */
  private async composeCreate(services: readonly string[], noDeps: boolean, onCreated: (s: string) => void, given?: ComposeCli): Promise<void> {
    const cli = given ?? (await this.composeCli());
    for (let i = 0; i < services.length; i += COMPOSE_BATCH) {
      const batch = services.slice(i, i + COMPOSE_BATCH);
      try {
        await cli.create(batch, noDeps);
      } catch (err) {
        if (err instanceof StartFailedError && err.hint === IMAGE_MISSING) throw (await this.missingImages(cli, batch)) ?? err;
        throw err;
      }
      batch.forEach(onCreated);
    }
  }

  /** Which images of these services are neither here nor pullable, said as one error with the way out. */
  private async missingImages(cli: ComposeCli, services: readonly string[]): Promise<StartFailedError | undefined> {
    const images = await cli.images(services).catch(() => new Map<string, string>());
    const missing: string[] = [];
    for (const [service, image] of images) {
      const here = await this.docker
        .getImage(image)
        .inspect()
        .then(() => true)
        .catch(() => false);
      if (!here) missing.push(`${image} (${service})`);
    }
    if (missing.length === 0) return undefined;
    return new StartFailedError(
      `${missing.length === 1 ? 'this image is' : 'these images are'} not on this engine and could not be pulled: ${missing.join(', ')}`,
      'Build them locally, or log in to their registry. In this repository, on a machine without a registry: `bash scripts/build-images.sh`, and STACK_COMPOSE_FILES=compose/docker-compose.local.yml in .env (scripts/dev-up.sh does both).',
    );
  }

  async down(options: { volumes: boolean }): Promise<void> {
    await (await this.composeCli()).down(options.volumes);
  }

  private async containerId(service: string): Promise<string | undefined> {
    return (await listProjectContainers(this.docker, this.project.name, service))[0]?.Id;
  }

  async inspect(service: string): Promise<ContainerInfo | undefined> {
    const id = await this.containerId(service);
    if (!id) return undefined;
    try {
      return toInfo(await this.docker.getContainer(id).inspect());
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  async inspectAll(): Promise<Map<string, ContainerInfo>> {
    const found = await listProjectContainers(this.docker, this.project.name);
    const infos = await Promise.all(
      found.map((c) =>
        this.docker
          .getContainer(c.Id)
          .inspect()
          .then(toInfo, () => undefined),
      ),
    );
    return new Map(infos.flatMap((i) => (i ? [[i.service, i] as const] : [])));
  }

  private async require(service: string): Promise<Docker.Container> {
    const id = await this.containerId(service);
    if (!id) throw new StartFailedError(`no container exists for compose service "${service}"`, 'Run `stack up` to create it.');
    return this.docker.getContainer(id);
  }

  async start(service: string): Promise<void> {
    const container = await this.require(service);
    try {
      await container.start();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 304) return; // already started
      const text = String((err as { json?: { message?: string } }).json?.message ?? (err as Error).message);
      throw new StartFailedError(`the engine could not start ${service}: ${text}`, hintFor(text), [], err);
    }
  }

  async stop(service: string, timeoutSeconds: number): Promise<void> {
    const id = await this.containerId(service);
    if (!id) return;
    try {
      await this.docker.getContainer(id).stop({ t: timeoutSeconds });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 304) throw err; // 304: already stopped
    }
  }

  async logs(service: string, tail: number): Promise<string[]> {
    const id = await this.containerId(service);
    if (!id) return [];
    const container = this.docker.getContainer(id);
    const info = await container.inspect();
    const raw = (await container.logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer;
    const text = info.Config.Tty ? raw.toString('utf8') : demux(raw);
    return text
      .split('\n')
      .filter((l) => l.length > 0)
      .slice(-tail);
  }

  /** Lines the container's current run has written (at most the last OUTPUT_LINES). */
  async output(service: string): Promise<string[]> {
    const id = await this.containerId(service);
    if (!id) return [];
    const container = this.docker.getContainer(id);
    const info = await container.inspect();
    if (!info.State.Running && !(Date.parse(info.State.StartedAt) > 0)) return [];
    const cut = currentRunCut(info.State);
    const raw = (await container.logs({
      stdout: true,
      stderr: true,
      timestamps: true,
      ...(cut ? { since: Math.floor(Date.parse(cut.at) / 1000) } : {}),
      tail: OUTPUT_LINES,
      follow: false,
    })) as unknown as Buffer;
    // `since` counts whole seconds: lines of the previous run in the same second are dropped by their timestamp.
    return (info.Config.Tty ? raw.toString('utf8') : demux(raw))
      .split('\n')
      .filter((l) => l.length > 0)
      .flatMap((l) => {
        const space = l.indexOf(' ');
        return cut && space > 0 && timeKey(l.slice(0, space)) < cut.key ? [] : [l.slice(space + 1)];
      });
  }

  async exec(service: string, command: string[], signal: AbortSignal): Promise<{ exitCode: number; output: string }> {
    return execIn(this.docker, await this.require(service), command, signal);
  }

  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    const filters = { type: ['container'], label: [`com.docker.compose.project=${this.project.name}`] };
    for await (const e of engineEvents<EngineEvent>(this.docker, filters, signal)) yield toRuntimeEvent(e);
  }

  async unpause(service: string): Promise<void> {
    await (await this.require(service)).unpause();
  }

  async streamLogs(service: string, options: { tail: number; follow: boolean }, out: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
    const container = await this.require(service);
    const info = await container.inspect();
    // Always a stream (follow: true); without --follow it is closed once the tail has arrived.
    const stream = (await container.logs({ stdout: true, stderr: true, tail: options.tail, follow: true as const })) as LogStream;
    await pipeLogs(this.docker, stream, info.Config.Tty, out, options.follow, signal);
  }

  async endpoint(service: string, containerPort: number): Promise<Endpoint> {
    const info = await this.inspect(service);
    if (!info) throw new Error(`no container for ${service}`);
    const binding = info.ports.find((p) => p.containerPort === containerPort && p.protocol === 'tcp');
    if (!binding) {
      throw new Error(
        `container port ${containerPort} of ${service} is not published to the host; add ports: ["127.0.0.1::${containerPort}"] to the compose service`,
      );
    }
    return { host: hostFor(binding.hostIp), port: binding.hostPort };
  }
}

export interface EngineEvent {
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  timeNano?: number | string;
  time?: number;
}

const ACTIONS = new Set(['die', 'kill', 'stop', 'start', 'oom', 'pause', 'unpause', 'destroy']);

export function toRuntimeEvent(e: EngineEvent): RuntimeEvent {
  const raw = e.Action ?? e.status ?? '';
  const action = (ACTIONS.has(raw) ? raw : raw.startsWith('health_status') ? 'health_status' : 'other') as RuntimeEvent['action'];
  const attrs = e.Actor?.Attributes ?? {};
  return {
    service: attrs['com.docker.compose.service'] ?? '',
    containerId: e.Actor?.ID ?? e.id ?? '',
    action,
    ...(attrs['exitCode'] === undefined ? {} : { exitCode: Number(attrs['exitCode']) }),
    ...(attrs['signal'] === undefined ? {} : { signal: attrs['signal'] }),
    timeNano: BigInt(e.timeNano ?? (e.time ?? 0) * 1e9),
  };
}

function toInfo(c: Docker.ContainerInspectInfo): ContainerInfo {
  const ports: PortBinding[] = [];
  for (const [key, bindings] of Object.entries(c.NetworkSettings.Ports ?? {})) {
    const [port, protocol = 'tcp'] = key.split('/');
    for (const b of bindings ?? []) ports.push({ containerPort: Number(port), protocol, hostIp: b.HostIp, hostPort: Number(b.HostPort) });
  }
  // The same port is often published on 0.0.0.0 and :: — keep one of each container port.
  const unique = ports.filter((p, i) => ports.findIndex((q) => q.containerPort === p.containerPort && q.protocol === p.protocol) === i);
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    service: c.Config.Labels?.['com.docker.compose.service'] ?? '',
    state: c.State.Status as ContainerState,
    exitCode: c.State.ExitCode,
    oomKilled: c.State.OOMKilled,
    ...(c.State.Health?.Status ? { health: c.State.Health.Status } : {}),
    restartCount: c.RestartCount,
    ...(c.State.Running ? { startedAt: c.State.StartedAt } : {}),
    ports: unique,
  };
}
