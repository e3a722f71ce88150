/**
 * From compose's normalized model to the engine API's create bodies, without I/O: what `stack` creates
 * itself (the fast path) and what it leaves to the compose CLI (anything outside the whitelist below).
 *
 * The bodies mirror what compose itself sends — the same names, labels, binds, port bindings and networks —
 * so that `docker compose ps/logs/down` see the containers, and `compose up` finds the same config-hash and
 * recreates nothing. The integration suite (test/integration/fast-create.test.ts) creates each fixture once
 * with compose and once with this, and compares the inspected containers field by field.
 */
import { dirname } from 'node:path';

/** compose v2 (`docker compose`) or v1 (`docker-compose`). */
export type ComposeFlavor = 'v2' | 'v1';

export type ComposeValue = string | number | boolean | null | ComposeValue[] | { [key: string]: ComposeValue };
export type ComposeMap = Record<string, ComposeValue>;

/** compose's normalized model (`config`), as parsed: v1 YAML or v2 JSON, same shape modulo short/long syntax. */
export interface ComposeModel {
  services: Record<string, ComposeMap>;
  networks?: Record<string, ComposeMap | null>;
  volumes?: Record<string, ComposeMap | null>;
}

export interface ProjectIdentity {
  name: string;
  flavor: ComposeFlavor;
  /** compose's own version, for its `version` label. */
  version: string;
  /** The compose files as compose was given them. */
  files: readonly string[];
  /** Values for `environment` entries without one (compose takes them from its environment). */
  env: Readonly<Record<string, string | undefined>>;
}

export interface NetworkPlan {
  key: string;
  name: string;
  external: boolean;
  body: Record<string, unknown>;
}

/** A named volume: the same shape as a network. */
export type VolumePlan = NetworkPlan;

export interface ContainerPlan {
  service: string;
  name: string;
  image: string;
  body: Record<string, unknown>;
  /** Networks joined after create (compose's first network is given at create), with their endpoint config. */
  connect: { network: string; endpoint: Record<string, unknown> }[];
  /** Project networks and volumes this container needs. */
  networks: string[];
  volumes: string[];
}

export type ServicePlan = { path: 'api'; plan: ContainerPlan } | { path: 'compose'; reason: string };

/**
 * Keys of a compose service that every translation here reads (the engine API fast path, the swarm target,
 * the Kubernetes export); each adds its own below or where it is defined.
 */
export const COMMON_SERVICE_KEYS = [
  'image',
  'build',
  'command',
  'entrypoint',
  'environment',
  'env_file',
  'ports',
  'expose',
  'volumes',
  'tmpfs',
  'networks',
  'healthcheck',
  'restart',
  'labels',
  'user',
  'working_dir',
  'depends_on',
  'profiles',
  'mem_limit',
  'cpus',
  'container_name',
  'stop_grace_period',
  'cap_add',
  'cap_drop',
  'read_only',
  'tty',
  'stdin_open',
] as const;

/**
 * Keys the fast path translates. Anything else sends the service through the compose CLI, with the key as the
 * reason. (`build` is fine when its image is already on the engine; the runtime checks that.)
 */
const HANDLED = new Set<string>([
  ...COMMON_SERVICE_KEYS,
  'hostname',
  'domainname',
  'extra_hosts',
  'init',
  'stop_signal',
  'logging',
  'ulimits',
  'shm_size',
  'privileged',
  'devices',
]);

const NETWORK_KEYS = new Set(['driver', 'driver_opts', 'internal', 'attachable', 'labels', 'name', 'external']);
const VOLUME_KEYS = new Set(['driver', 'driver_opts', 'labels', 'name', 'external']);

export const composeLabel = (key: string) => `com.docker.compose.${key}`;

export function containerName(project: ProjectIdentity, service: string, number = 1): string {
  return project.flavor === 'v1' ? `${project.name}_${service}_${number}` : `${project.name}-${service}-${number}`;
}

const projectLabels = (p: ProjectIdentity) => ({ [composeLabel('project')]: p.name, [composeLabel('version')]: p.version });

/** The project's networks and volumes as compose would create them, computed once per model. */
export interface ProjectResources {
  networks: Map<string, NetworkPlan | { unsupported: string }>;
  volumes: Map<string, VolumePlan | { unsupported: string }>;
}

export function projectResources(model: ComposeModel, project: ProjectIdentity): ProjectResources {
  return {
    networks: resourcePlans('network', { default: null, ...(model.networks ?? {}) }, NETWORK_KEYS, project, (n) => ({
      Driver: str(n['driver']) ?? 'bridge',
      Options: stringMap(n['driver_opts']),
      Internal: n['internal'] === true,
      Attachable: true,
      CheckDuplicate: true,
    })),
    volumes: resourcePlans('volume', model.volumes ?? {}, VOLUME_KEYS, project, (v) => ({
      Driver: str(v['driver']) ?? 'local',
      DriverOpts: stringMap(v['driver_opts']),
    })),
  };
}

/** Networks and volumes share their naming, labels and the external / unsupported-key rules. */
function resourcePlans(
  kind: 'network' | 'volume',
  declared: Record<string, ComposeMap | null>,
  allowed: ReadonlySet<string>,
  project: ProjectIdentity,
  body: (r: ComposeMap) => Record<string, unknown>,
): Map<string, NetworkPlan | { unsupported: string }> {
  const out = new Map<string, NetworkPlan | { unsupported: string }>();
  for (const [key, raw] of Object.entries(declared)) {
    const r = raw ?? {};
    const odd = Object.keys(r).find((k) => !allowed.has(k));
    if (odd) {
      out.set(key, { unsupported: `${kind} ${key} uses ${odd}` });
      continue;
    }
    const name = str(r['name']) ?? `${project.name}_${key}`;
    out.set(key, {
      key,
      name,
      external: r['external'] === true || (typeof r['external'] === 'object' && r['external'] !== null),
      body: { Name: name, ...body(r), Labels: { ...stringMap(r['labels']), ...projectLabels(project), [composeLabel(kind)]: key } },
    });
  }
  return out;
}

/** How compose would create one service's container, or why the fast path leaves it to compose. */
export function servicePlan(
  model: ComposeModel,
  service: string,
  project: ProjectIdentity,
  configHash: string,
  resources: ProjectResources = projectResources(model, project),
): ServicePlan {
  const s = model.services[service];
  if (!s) return { path: 'compose', reason: `compose has no service ${service}` };
  const odd = Object.keys(s).find((k) => !HANDLED.has(k));
  if (odd) return { path: 'compose', reason: `uses ${odd}` };
  const image = str(s['image']);
  if (!image) return { path: 'compose', reason: 'has no image (build only)' };
  const { networks, volumes } = resources;

  // Networks: compose gives the first (by priority, then name) at create and connects the rest.
  const joined = serviceNetworks(s['networks']);
  for (const n of joined) {
    const plan = networks.get(n.key);
    if (!plan) return { path: 'compose', reason: `uses undeclared network ${n.key}` };
    if ('unsupported' in plan) return { path: 'compose', reason: plan.unsupported };
  }
  const endpoint = (n: (typeof joined)[number]) => ({
    Aliases: [service, ...n.aliases],
    ...(n.ipv4 || n.ipv6 ? { IPAMConfig: { ...(n.ipv4 ? { IPv4Address: n.ipv4 } : {}), ...(n.ipv6 ? { IPv6Address: n.ipv6 } : {}) } } : {}),
  });
  const netName = (key: string) => (networks.get(key) as NetworkPlan).name;
  const [primary, ...rest] = joined;

  // Volumes: short syntax as Binds (as compose v1 does), tmpfs as Mounts; named volumes must be declared.
  const binds: string[] = [];
  const mounts: Record<string, unknown>[] = [];
  const containerPaths: string[] = [];
  const usedVolumes: string[] = [];
  for (const raw of list(s['volumes'])) {
    const m = toMount(raw);
    if (!m) return { path: 'compose', reason: `has a volume entry the fast path does not read: ${JSON.stringify(raw)}` };
    let source = m.source;
    if (m.type === 'volume' && source) {
      const plan = volumes.get(source);
      if (!plan) return { path: 'compose', reason: `uses undeclared volume ${source}` };
      if ('unsupported' in plan) return { path: 'compose', reason: plan.unsupported };
      usedVolumes.push(source);
      source = plan.name;
    }
    // compose v1 sends short syntax as Binds (and the target in Config.Volumes), long syntax and tmpfs as Mounts;
    // v2's model has only long syntax and sends Mounts, except for binds.
    if (m.type === 'tmpfs') mounts.push({ Type: 'tmpfs', Target: m.target, ...(m.size ? { TmpfsOptions: { SizeBytes: m.size } } : {}) });
    else if (m.type === 'volume' && !source)
      containerPaths.push(m.target); // anonymous volume
    else if (m.long && !(project.flavor === 'v2' && m.type === 'bind')) mounts.push({ Type: m.type, Source: source, Target: m.target, ReadOnly: m.readOnly });
    else {
      binds.push(`${source}:${m.target}:${m.readOnly ? 'ro' : 'rw'}`);
      containerPaths.push(m.target);
    }
  }

  const ports = [...list(s['ports']).map(toPorts), ...list(s['expose']).map((e) => toPorts(String(e))?.map((p) => ({ ...p, exposeOnly: true })))];
  if (ports.some((p) => p === undefined)) return { path: 'compose', reason: 'has a port entry the fast path does not read' };
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of ports.flat() as PortSpec[]) {
    const key = `${p.target}/${p.protocol}`;
    exposed[key] = {};
    if (p.exposeOnly) continue;
    (bindings[key] ??= []).push({ HostIp: p.hostIp, HostPort: p.published });
  }

  const env = environment(s['environment'], project.env);
  const healthcheck = toHealthcheck(s['healthcheck']);
  const grace = s['stop_grace_period'] === undefined ? undefined : durationNs(s['stop_grace_period']);
  const logging = (s['logging'] ?? {}) as ComposeMap;
  const labels: Record<string, string> = {
    ...stringMap(s['labels']),
    ...projectLabels(project),
    [composeLabel('service')]: service,
    [composeLabel('oneoff')]: 'False',
    [composeLabel('container-number')]: '1',
    [composeLabel('config-hash')]: configHash,
    [composeLabel('project.config_files')]: project.files.join(','),
    [composeLabel('project.working_dir')]: dirname(project.files[0] ?? '.'),
    ...(project.flavor === 'v2' ? { [composeLabel('depends_on')]: dependsOnLabel(s['depends_on']), [composeLabel('image')]: image } : {}),
  };
  const memory = bytes(s['mem_limit']);
  const shm = bytes(s['shm_size']);
  const cpus = s['cpus'] === undefined ? undefined : Number(s['cpus']);

  const hostConfig: Record<string, unknown> = {
    Binds: binds,
    PortBindings: bindings,
    NetworkMode: primary ? netName(primary.key) : undefined,
    RestartPolicy: restartPolicy(s['restart']),
    LogConfig: { Type: str(logging['driver']) ?? '', Config: stringMap(logging['options']) },
    ...(s['cap_add'] ? { CapAdd: list(s['cap_add']).map(String) } : {}),
    ...(s['cap_drop'] ? { CapDrop: list(s['cap_drop']).map(String) } : {}),
    ...(s['extra_hosts'] ? { ExtraHosts: extraHosts(s['extra_hosts']) } : {}),
    ...(s['tmpfs'] ? { Tmpfs: Object.fromEntries(list(s['tmpfs']).map((t) => tmpfsEntry(String(t)))) } : {}),
    ...(mounts.length ? { Mounts: mounts } : {}),
    ...(s['init'] !== undefined ? { Init: s['init'] === true } : {}),
    ...(s['privileged'] === true ? { Privileged: true } : {}),
    ...(s['read_only'] === true ? { ReadonlyRootfs: true } : {}),
    ...(shm !== undefined ? { ShmSize: shm } : {}),
    ...(memory !== undefined ? { Memory: memory } : {}),
    ...(cpus !== undefined ? { NanoCpus: Math.round(cpus * 1e9) } : {}),
    ...(s['ulimits'] ? { Ulimits: ulimits(s['ulimits']) } : {}),
    ...(s['devices'] ? { Devices: list(s['devices']).map((d) => device(String(d))) } : {}),
  };
  const body: Record<string, unknown> = {
    name: str(s['container_name']) ?? containerName(project, service),
    Image: image,
    Env: env,
    Labels: labels,
    ExposedPorts: exposed,
    Volumes: Object.fromEntries(containerPaths.map((p) => [p, {}])),
    HostConfig: hostConfig,
    ...(s['command'] !== undefined ? { Cmd: argv(s['command']) } : {}),
    ...(s['entrypoint'] !== undefined ? { Entrypoint: argv(s['entrypoint']) } : {}),
    ...(s['user'] !== undefined ? { User: String(s['user']) } : {}),
    ...(s['working_dir'] !== undefined ? { WorkingDir: String(s['working_dir']) } : {}),
    ...(s['hostname'] !== undefined ? { Hostname: String(s['hostname']) } : {}),
    ...(s['domainname'] !== undefined ? { Domainname: String(s['domainname']) } : {}),
    ...(s['stop_signal'] !== undefined ? { StopSignal: String(s['stop_signal']) } : {}),
    ...(grace !== undefined ? { StopTimeout: Math.round(grace / 1e9) } : {}),
    ...(s['tty'] === true ? { Tty: true } : {}),
    ...(s['stdin_open'] === true ? { OpenStdin: true } : {}),
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
    ...(primary ? { NetworkingConfig: { EndpointsConfig: { [netName(primary.key)]: endpoint(primary) } } } : {}),
  };
  return {
    path: 'api',
    plan: {
      service,
      name: body['name'] as string,
      image,
      body,
      connect: rest.map((n) => ({ network: netName(n.key), endpoint: endpoint(n) })),
      networks: joined.map((n) => n.key),
      volumes: usedVolumes,
    },
  };
}

// ---- the pieces ---------------------------------------------------------------------------------

export const str = (v: ComposeValue | undefined): string | undefined => (v === undefined || v === null ? undefined : String(v));
export const list = (v: ComposeValue | undefined): ComposeValue[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

export function stringMap(v: ComposeValue | undefined): Record<string, string> {
  if (Array.isArray(v)) {
    return Object.fromEntries(
      v.map((e) => {
        const t = String(e);
        const eq = t.indexOf('=');
        return eq < 0 ? [t, ''] : [t.slice(0, eq), t.slice(eq + 1)];
      }),
    );
  }
  if (!v || typeof v !== 'object') return {};
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x === null ? '' : String(x)]));
}

/** `environment` as compose sends it: K=V; a key without a value takes compose's own environment, or goes as a bare `K`. */
export function environment(v: ComposeValue | undefined, env: ProjectIdentity['env']): string[] {
  const entries: [string, string | undefined][] = Array.isArray(v)
    ? v.map((e) => {
        const t = String(e);
        const eq = t.indexOf('=');
        return eq < 0 ? [t, env[t]] : [t.slice(0, eq), t.slice(eq + 1)];
      })
    : Object.entries((v ?? {}) as ComposeMap).map(([k, x]) => [k, x === null ? env[k] : String(x)]);
  return entries.map(([k, x]) => (x === undefined ? k : `${k}=${x}`));
}

interface JoinedNetwork {
  key: string;
  aliases: string[];
  priority: number;
  ipv4?: string;
  ipv6?: string;
}

export function serviceNetworks(v: ComposeValue | undefined): JoinedNetwork[] {
  if (v === undefined || v === null) return [{ key: 'default', aliases: [], priority: 0 }];
  const entries: [string, ComposeMap | null][] = Array.isArray(v) ? v.map((k) => [String(k), null]) : (Object.entries(v) as [string, ComposeMap | null][]);
  return entries
    .map(([key, n]) => ({
      key,
      aliases: list(n?.['aliases']).map(String),
      priority: Number(n?.['priority'] ?? 0),
      ...(n?.['ipv4_address'] ? { ipv4: String(n['ipv4_address']) } : {}),
      ...(n?.['ipv6_address'] ? { ipv6: String(n['ipv6_address']) } : {}),
    }))
    .sort((a, b) => b.priority - a.priority || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

interface Mount {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Written in long syntax (`{type, source, target}`). */
  long: boolean;
  source?: string;
  target: string;
  readOnly: boolean;
  size?: number;
}

/** A volume entry, short (`src:dst[:mode]`) or long (`{type, source, target, read_only}`). */
export function toMount(v: ComposeValue): Mount | undefined {
  if (typeof v === 'string') {
    const parts = v.split(':');
    if (parts.length === 1) return { type: 'volume', long: false, target: parts[0]!, readOnly: false };
    const [source, target, mode = 'rw'] = parts as [string, string, string?];
    if (!target) return undefined;
    const modes = mode.split(',');
    if (modes.some((m) => !['rw', 'ro', 'z', 'Z', 'cached', 'delegated', 'consistent', 'nocopy'].includes(m))) return undefined;
    return { type: isPath(source) ? 'bind' : 'volume', long: false, source, target, readOnly: modes.includes('ro') };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const known = new Set(['type', 'source', 'target', 'read_only', 'tmpfs', 'bind', 'volume']);
  if (Object.keys(v).some((k) => !known.has(k))) return undefined;
  const type = String(v['type'] ?? 'volume');
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') return undefined;
  if ((v['bind'] && Object.keys(v['bind'] as object).some((k) => k !== 'create_host_path')) || (v['volume'] && Object.keys(v['volume'] as object).length > 0))
    return undefined;
  const tmpfs = (v['tmpfs'] ?? {}) as ComposeMap;
  return {
    type,
    long: true,
    ...(v['source'] ? { source: String(v['source']) } : {}),
    target: String(v['target']),
    readOnly: v['read_only'] === true,
    ...(tmpfs['size'] !== undefined ? { size: bytes(tmpfs['size'])! } : {}),
  };
}

const isPath = (s: string) => s.startsWith('/') || s.startsWith('.') || s.startsWith('~') || /^[A-Za-z]:[\\/]/.test(s);

interface PortSpec {
  target: number;
  published: string;
  hostIp: string;
  protocol: string;
  exposeOnly?: boolean;
  /** Long syntax's `mode` (swarm: ingress or host). */
  mode?: string;
}

/** A port entry, short (`[ip:][host:]container[/proto]`, ranges too) or long (`{target, published, protocol, host_ip}`). */
export function toPorts(v: ComposeValue): PortSpec[] | undefined {
  if (typeof v === 'number') return [{ target: v, published: '', hostIp: '', protocol: 'tcp' }];
  if (typeof v === 'string') {
    const [spec, protocol = 'tcp'] = v.split('/') as [string, string?];
    const parts = spec.split(':');
    if (parts.length > 3) return undefined; // IPv6 host addresses: left to compose
    const container = parts.at(-1)!;
    const host = parts.length >= 2 ? parts.at(-2)! : '';
    const hostIp = parts.length === 3 ? parts[0]! : '';
    const targets = range(container);
    if (!targets) return undefined;
    const hosts = host === '' ? targets.map(() => '') : range(host)?.map(String);
    if (!hosts || (hosts.length !== targets.length && hosts.length !== 1)) return undefined;
    return targets.map((t, i) => ({ target: t, published: hosts.length === 1 && targets.length > 1 ? hosts[0]! : (hosts[i] ?? ''), hostIp, protocol }));
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  if (Object.keys(v).some((k) => !['target', 'published', 'protocol', 'host_ip', 'mode'].includes(k))) return undefined;
  if (v['mode'] !== undefined && v['mode'] !== 'ingress' && v['mode'] !== 'host') return undefined;
  return [
    {
      target: Number(v['target']),
      published: v['published'] === undefined || v['published'] === null ? '' : String(v['published']),
      hostIp: str(v['host_ip']) ?? '',
      protocol: str(v['protocol']) ?? 'tcp',
      ...(v['mode'] !== undefined ? { mode: String(v['mode']) } : {}),
    },
  ];
}

function range(text: string): number[] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (to < from || to - from > 1000) return undefined;
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** compose's durations (`1m30s`, `500ms`, `2s`, or a number of seconds) in nanoseconds. */
export function durationNs(v: ComposeValue): number {
  if (typeof v === 'number') return v * 1e9;
  const text = String(v).trim();
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  let matched = '';
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched += m[0];
  }
  if (matched !== text) throw new Error(`not a compose duration: ${text}`);
  return Math.round(total);
}

/** compose's sizes (`64m`, `1g`, `512k`, `100b`, or bytes) in bytes. */
export function bytes(v: ComposeValue | undefined): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([bkmg])?b?$/i.exec(String(v).trim());
  if (!m) throw new Error(`not a compose size: ${String(v)}`);
  const unit = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Math.round(Number(m[1]) * unit);
}

export function toHealthcheck(v: ComposeValue | undefined): Record<string, unknown> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  if (v['disable'] === true) return { Test: ['NONE'] };
  const test = v['test'];
  const out: Record<string, unknown> = {};
  if (test !== undefined) out['Test'] = typeof test === 'string' ? ['CMD-SHELL', test] : list(test).map(String);
  if (v['interval'] !== undefined) out['Interval'] = durationNs(v['interval']);
  if (v['timeout'] !== undefined) out['Timeout'] = durationNs(v['timeout']);
  if (v['start_period'] !== undefined) out['StartPeriod'] = durationNs(v['start_period']);
  if (v['retries'] !== undefined) out['Retries'] = Number(v['retries']);
  return out;
}

function restartPolicy(v: ComposeValue | undefined): { Name: string; MaximumRetryCount: number } {
  const text = str(v) ?? 'no';
  if (text === 'no') return { Name: '', MaximumRetryCount: 0 };
  const [name, max] = text.split(':');
  return { Name: name!, MaximumRetryCount: max ? Number(max) : 0 };
}

export function extraHosts(v: ComposeValue): string[] {
  if (Array.isArray(v)) return v.map((e) => String(e).replace('=', ':'));
  return Object.entries(v as ComposeMap).map(([h, ip]) => `${h}:${String(ip)}`);
}

function tmpfsEntry(t: string): [string, string] {
  const i = t.indexOf(':');
  return i < 0 ? [t, ''] : [t.slice(0, i), t.slice(i + 1)];
}

export function ulimits(v: ComposeValue): { Name: string; Soft: number; Hard: number }[] {
  return Object.entries(v as ComposeMap).map(([name, l]) =>
    typeof l === 'object' && l !== null && !Array.isArray(l)
      ? { Name: name, Soft: Number(l['soft']), Hard: Number(l['hard']) }
      : { Name: name, Soft: Number(l), Hard: Number(l) },
  );
}

function device(d: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const [host, container = host, perms = 'rwm'] = d.split(':') as [string, string?, string?];
  return { PathOnHost: host, PathInContainer: container, CgroupPermissions: perms };
}

/** A command or entrypoint: a list as is, a string split as a POSIX shell would (compose uses shlex). */
export function argv(v: ComposeValue): string[] {
  if (Array.isArray(v)) return v.map(String);
  const text = String(v);
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) cur += text[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else cur += c;
  }
  if (has || cur) out.push(cur);
  return out;
}

function dependsOnLabel(v: ComposeValue | undefined): string {
  if (!v) return '';
  const entries: [string, ComposeMap][] = Array.isArray(v) ? v.map((d) => [String(d), {}]) : (Object.entries(v) as [string, ComposeMap][]);
  return entries.map(([name, d]) => `${name}:${str(d['condition']) ?? 'service_started'}:${d['restart'] === true ? 'true' : 'false'}`).join(',');
}
