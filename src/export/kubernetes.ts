/**
 * stack.yaml + compose's normalized model → Kubernetes manifests, without I/O. What it keeps:
 * - each container service: a Deployment (a StatefulSet with volumeClaimTemplates when it uses named
 *   volumes; a Job when it is a `kind: job`) and a ClusterIP Service named like the compose service, so the
 *   names the services use to reach each other stay the same;
 * - typed probes as startupProbe (its startup_timeout), readinessProbe (its probe timing) and livenessProbe
 *   (its heal.liveness): http → httpGet; qdrant / prometheus / grafana → httpGet of the endpoint stack's probe
 *   calls; tcp → tcpSocket; redis / postgres → an exec of the image's own client (redis-cli, pg_isready) when
 *   the image is the official one, else tcpSocket; exec → exec; docker → the compose healthcheck as exec;
 * - depends_on as init containers that wait until the dependency's Service accepts connections: a Service
 *   routes only to Ready pods, so this waits for the dependency's readiness, not its start;
 * - variables whose value holds a secret (a variable of the stack's environment named like a password,
 *   token, secret or API key) as secretKeyRef to one Secret, `<stack>-secrets`, that the manifests name but
 *   never contain.
 * What it cannot keep is returned as notes, one per service and key — never dropped silently.
 */
import type { HealPolicy, ProbeSpec, ServiceSpec, StackSpec } from '../config/types.js';
import {
  argv,
  bytes,
  COMMON_SERVICE_KEYS,
  durationNs,
  environment,
  list,
  serviceNetworks,
  str,
  toMount,
  toPorts,
  type ComposeMap,
  type ComposeModel,
  type ComposeValue,
} from '../runtime/container-spec.js';

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> } } & Record<string, unknown>;

export interface ExportNote {
  service: string;
  key: string;
  message: string;
}

export interface KubernetesExport {
  /** Per service, its manifests in apply order (claims, workload, service). */
  byService: Record<string, Manifest[]>;
  notes: ExportNote[];
  /** The Secret the manifests reference, and the keys it must have (values never). */
  secret?: { name: string; keys: string[] };
}

export interface ExportOptions {
  /** The image of the init containers that wait for dependencies (needs `nc`). */
  waitImage?: string;
  /** The size of each volume claim. */
  volumeSize?: string;
}

const SECRET_NAME = /pass(word)?|secret|token|api_?key|credential/i;
/** Keys of a compose service the export carries over (or reports in its own words); any other gets a note. */
const KNOWN = new Set<string>([...COMMON_SERVICE_KEYS, 'deploy', 'privileged']);

const DNS_LABEL = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);

export function exportKubernetes(spec: StackSpec, model: ComposeModel, options: ExportOptions = {}): KubernetesExport {
  const notes: ExportNote[] = [];
  const byService: Record<string, Manifest[]> = {};
  const secretKeys = new Set<string>();
  // Values of the stack's secrets: a variable whose value contains one is exported as a secret reference.
  const secretValues = Object.entries(spec.env)
    .filter(([k, v]) => SECRET_NAME.test(k) && v.length >= 4)
    .map(([, v]) => v);
  const ports = (service: ServiceSpec) => containerPorts(model.services[service.composeService] ?? {});

  for (const service of Object.values(spec.services)) {
    const note = (key: string, message: string) => notes.push({ service: service.name, key, message });
    if (service.kind === 'process') {
      note('command', 'a host process runs on the developer machine, not in a cluster: give it an image and a compose service to export it');
      continue;
    }
    const s = model.services[service.composeService];
    if (!s) {
      note('compose_service', `compose has no service ${service.composeService}`);
      continue;
    }
    // Named after the compose service: the name the other services reach it by (its DNS name under compose).
    const name = DNS_LABEL(service.composeService);
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': DNS_LABEL(spec.name), 'app.kubernetes.io/managed-by': 'stack' };
    for (const key of Object.keys(s)) if (!KNOWN.has(key)) note(key, `compose key ${key} has no mapping here: not exported`);
    const user = str(s['user']);
    if (user !== undefined && !/^\d+(:\d+)?$/.test(user))
      note('user', `user ${user} is a name: Kubernetes takes a numeric runAsUser, so it is not set (the image's user applies)`);
    if (s['restart'] === 'no' && !service.job) note('restart', 'restart: no has no equivalent: a Deployment restarts its containers always');
    if (!str(s['image'])) note('build', 'no image: build it and push it to a registry the cluster pulls from, and name it under image:');

    // Environment: literal values, except those holding a secret.
    const env = environment(s['environment'], spec.env).map((entry) => {
      const eq = entry.indexOf('=');
      const [k, v] = eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      if (SECRET_NAME.test(k) || secretValues.some((sv) => v.includes(sv))) {
        secretKeys.add(k);
        return { name: k, valueFrom: { secretKeyRef: { name: `${DNS_LABEL(spec.name)}-secrets`, key: k } } };
      }
      return { name: k, value: v };
    });

    // Volumes: named → claims (StatefulSet), tmpfs → memory emptyDir, binds have no cluster equivalent.
    const claims: string[] = [];
    const volumeMounts: Record<string, unknown>[] = [];
    const podVolumes: Record<string, unknown>[] = [];
    for (const raw of list(s['volumes'])) {
      const m = toMount(raw);
      if (!m) continue;
      if (m.type === 'volume' && m.source) {
        const claim = DNS_LABEL(m.source);
        if (!claims.includes(claim)) claims.push(claim);
        volumeMounts.push({ name: claim, mountPath: m.target, ...(m.readOnly ? { readOnly: true } : {}) });
      } else if (m.type === 'tmpfs' || (m.type === 'volume' && !m.source)) {
        const v = `scratch-${podVolumes.length}`;
        podVolumes.push({ name: v, emptyDir: m.type === 'tmpfs' ? { medium: 'Memory' } : {} });
        volumeMounts.push({ name: v, mountPath: m.target });
      } else note('volumes', `bind mount ${m.source} → ${m.target} has no cluster equivalent: bake the file into the image or mount it from a ConfigMap`);
    }
    for (const t of list(s['tmpfs'])) {
      const v = `scratch-${podVolumes.length}`;
      podVolumes.push({ name: v, emptyDir: { medium: 'Memory' } });
      volumeMounts.push({ name: v, mountPath: String(t).split(':')[0] });
    }

    const probes = service.probe ? mapProbe(service.probe, s, service, (m) => note('probe', m)) : undefined;
    if (!service.probe) note('probe', 'no probe: the pod is Ready as soon as its container runs');
    if (service.heal === null && !service.job) note('heal', 'heal: false has no equivalent: Kubernetes restarts the containers of a Deployment always');
    if (service.heal && !service.job) healNotes(service.heal, (k, m) => note(k, m));

    const deploy = (s['deploy'] ?? {}) as ComposeMap;
    const limits = ((deploy['resources'] as ComposeMap | undefined)?.['limits'] ?? {}) as ComposeMap;
    const memory = bytes(limits['memory']) ?? bytes(s['mem_limit']);
    const cpus = limits['cpus'] ?? s['cpus'];
    const own = ports(service);

    const container: Record<string, unknown> = {
      name,
      image: str(s['image']) ?? `${name}:unknown`,
      ...(s['entrypoint'] !== undefined ? { command: argv(s['entrypoint']) } : {}),
      ...(s['command'] !== undefined ? { args: argv(s['command']) } : {}),
      ...(s['working_dir'] !== undefined ? { workingDir: String(s['working_dir']) } : {}),
      ...(env.length ? { env } : {}),
      ...(own.length ? { ports: own.map((p) => ({ name: `p${p.port}`, containerPort: p.port, protocol: p.protocol.toUpperCase() })) } : {}),
      ...(volumeMounts.length ? { volumeMounts } : {}),
      ...(memory !== undefined || cpus !== undefined
        ? { resources: { limits: { ...(memory !== undefined ? { memory: String(memory) } : {}), ...(cpus !== undefined ? { cpu: String(cpus) } : {}) } } }
        : {}),
      ...securityContext(s),
      ...(s['tty'] === true ? { tty: true } : {}),
      ...(s['stdin_open'] === true ? { stdin: true } : {}),
      ...(probes ?? {}),
    };
    if (service.job) for (const k of ['startupProbe', 'readinessProbe', 'livenessProbe']) delete container[k];

    // Dependencies: wait until the dependency's Service accepts connections (it routes to Ready pods only).
    const initContainers = service.dependsOn.flatMap((d) => {
      const dep = spec.services[d.service];
      if (!dep) return [];
      if (dep.kind === 'process') return (note(`depends_on.${d.service}`, `${d.service} is a host process: not exported, so nothing waits for it`), []);
      if (d.condition === 'completed' || dep.job)
        return (note(`depends_on.${d.service}`, `waiting for job ${d.service} to complete needs API access from the pod: not mapped; run the job first`), []);
      const port = probePort(dep.probe) ?? ports(dep)[0]?.port;
      if (port === undefined) return (note(`depends_on.${d.service}`, `${d.service} has no port to wait on: nothing waits for it`), []);
      const target = DNS_LABEL(dep.composeService);
      return [
        {
          name: `wait-for-${target}`.slice(0, 63),
          image: options.waitImage ?? 'busybox:1.36',
          command: ['sh', '-c', `until nc -z -w 2 ${target} ${port}; do echo "waiting for ${target}:${port}"; sleep 1; done`],
        },
      ];
    });
    if (networksOf(s).length > 1) note('networks', 'several networks: Kubernetes has one flat pod network (use NetworkPolicies to separate them)');

    const podSpec: Record<string, unknown> = {
      ...(initContainers.length ? { initContainers } : {}),
      containers: [container],
      ...(podVolumes.length ? { volumes: podVolumes } : {}),
      ...(s['stop_grace_period'] !== undefined ? { terminationGracePeriodSeconds: Math.ceil(durationNs(s['stop_grace_period']) / 1e9) } : {}),
      ...(service.job ? { restartPolicy: 'Never' } : {}),
    };
    const template = { metadata: { labels }, spec: podSpec };
    const replicas = deploy['replicas'] === undefined ? 1 : Number(deploy['replicas']);
    const out: Manifest[] = [];
    if (service.job) {
      out.push({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, labels }, spec: { backoffLimit: 0, template } });
    } else if (claims.length) {
      out.push({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name, labels },
        spec: {
          serviceName: name,
          replicas,
          selector: { matchLabels: { 'app.kubernetes.io/name': name } },
          template,
          volumeClaimTemplates: claims.map((c) => ({
            metadata: { name: c, labels },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: options.volumeSize ?? '1Gi' } } },
          })),
        },
      });
      note('volumes', `named volumes become claims of ${options.volumeSize ?? '1Gi'} each (--volume-size), of the cluster's default storage class`);
    } else {
      out.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, labels },
        spec: { replicas, selector: { matchLabels: { 'app.kubernetes.io/name': name } }, template },
      });
    }
    if (own.length && !service.job)
      out.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, labels },
        spec: {
          selector: { 'app.kubernetes.io/name': name },
          ports: own.map((p) => ({ name: `p${p.port}`, port: p.port, targetPort: p.port, protocol: p.protocol.toUpperCase() })),
        },
      });
    byService[service.name] = out;
  }
  return { byService, notes, ...(secretKeys.size ? { secret: { name: `${DNS_LABEL(spec.name)}-secrets`, keys: [...secretKeys].sort() } } : {}) };
}

/** The container ports a service listens on: its `ports` targets and `expose`. */
function containerPorts(s: ComposeMap): { port: number; protocol: string }[] {
  const out: { port: number; protocol: string }[] = [];
  for (const raw of [...list(s['ports']), ...list(s['expose']).map((e) => String(e))]) {
    for (const p of toPorts(raw as ComposeValue) ?? [])
      if (!out.some((o) => o.port === p.target && o.protocol === p.protocol)) out.push({ port: p.target, protocol: p.protocol });
  }
  return out;
}

const networksOf = (s: ComposeMap) => (s['network_mode'] !== undefined ? [] : serviceNetworks(s['networks']));

function probePort(probe: ProbeSpec | undefined): number | undefined {
  return probe && 'port' in probe ? probe.port : undefined;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** How Kubernetes checks it, from stack's typed probe, or undefined (with a note) when it cannot. */
function probeAction(probe: ProbeSpec, s: ComposeMap, note: (m: string) => void): Record<string, unknown> | undefined {
  const image = str(s['image']) ?? '';
  const official = (name: string) => new RegExp(`(^|/)${name}(:|@|$)`).test(image) || image.startsWith(`${name}:`);
  if ('host' in probe && probe.host) note(`probe.host ${probe.host} is not used: Kubernetes probes the pod itself`);
  switch (probe.type) {
    case 'http': {
      const accepted = probe.expect?.status === undefined ? [] : Array.isArray(probe.expect.status) ? probe.expect.status : [probe.expect.status];
      if (accepted.some((c) => c < 200 || c >= 400)) note(`expect.status ${accepted.join(', ')}: Kubernetes accepts 200–399 only`);
      if (probe.expect?.json || probe.expect?.body_contains) note('expect.json / body_contains are not checked: httpGet looks at the status only');
      return { httpGet: { path: probe.path ?? '/', port: probe.port, ...(probe.scheme === 'https' ? { scheme: 'HTTPS' } : {}) } };
    }
    case 'qdrant':
      return { httpGet: { path: '/readyz', port: probe.port } };
    case 'prometheus':
      return { httpGet: { path: '/-/ready', port: probe.port } };
    case 'grafana':
      note('grafana: /api/health is checked for its status only (stack also wants database: ok)');
      return { httpGet: { path: '/api/health', port: probe.port } };
    case 'tcp':
      return { tcpSocket: { port: probe.port } };
    case 'redis':
      if (official('redis')) {
        note("redis: an exec of the image's own redis-cli ping (stack also checks SET/GET)");
        const auth = probe.password_env ? ` -a "$${probe.password_env}" --no-auth-warning` : '';
        return { exec: { command: ['sh', '-c', `redis-cli -p ${probe.port}${auth} ping | grep -q PONG`] } };
      }
      note(`redis: ${image} is not the official redis image, so its client is not assumed: tcpSocket (the port accepts connections)`);
      return { tcpSocket: { port: probe.port } };
    case 'postgres':
      if (official('postgres')) {
        const user = probe.user_env ? `"$${probe.user_env}"` : (probe.user ?? 'postgres');
        const db = probe.database_env ? ` -d "$${probe.database_env}"` : probe.database ? ` -d ${probe.database}` : '';
        note(`postgres: an exec of the image's own pg_isready${probe.query ? ' (the probe query is not run)' : ''}`);
        return { exec: { command: ['sh', '-c', `pg_isready -h 127.0.0.1 -p ${probe.port} -U ${user}${db}`] } };
      }
      note(`postgres: ${image} is not the official postgres image, so its client is not assumed: tcpSocket`);
      return { tcpSocket: { port: probe.port } };
    case 'exec':
      return { exec: { command: Array.isArray(probe.command) ? probe.command : ['sh', '-c', probe.command] } };
    case 'docker': {
      const hc = (s['healthcheck'] ?? {}) as ComposeMap;
      const test = hc['test'];
      const cmd = typeof test === 'string' ? ['sh', '-c', test] : list(test).map(String);
      if (cmd[0] === 'CMD') return { exec: { command: cmd.slice(1) } };
      if (cmd[0] === 'CMD-SHELL') return { exec: { command: ['sh', '-c', cmd.slice(1).join(' ')] } };
      if (cmd[0] === 'sh') return { exec: { command: cmd } };
      note('docker: the compose service has no healthcheck to run: not mapped');
      return undefined;
    }
    case 'log':
      note("log: Kubernetes probes cannot read a container's output: not mapped (use an http, tcp or exec probe)");
      return undefined;
  }
}

/** startupProbe (its startup_timeout), readinessProbe (its probe timing), livenessProbe (its heal.liveness). */
function mapProbe(probe: ProbeSpec, s: ComposeMap, service: ServiceSpec, note: (m: string) => void): Record<string, unknown> | undefined {
  const action = probeAction(probe, s, note);
  if (!action) return undefined;
  const t = probe.timing;
  const period = seconds(t.intervalMs);
  const out: Record<string, unknown> = {
    startupProbe: {
      ...action,
      periodSeconds: period,
      timeoutSeconds: seconds(t.timeoutMs),
      failureThreshold: Math.max(1, Math.ceil(service.startupTimeoutMs / (period * 1000))),
    },
    readinessProbe: {
      ...action,
      periodSeconds: period,
      timeoutSeconds: seconds(t.timeoutMs),
      successThreshold: t.successThreshold,
      failureThreshold: t.failureThreshold,
    },
  };
  if (t.intervalMs < 1000) note(`interval ${t.intervalMs}ms: Kubernetes probes at most once a second`);
  const live = service.heal?.on.includes('unhealthy') ? service.heal.liveness : undefined;
  if (live)
    out['livenessProbe'] = {
      ...action,
      periodSeconds: seconds(live.intervalMs),
      timeoutSeconds: seconds(live.timeoutMs),
      failureThreshold: live.failureThreshold,
    };
  return out;
}

/** What of stack's healing Kubernetes has no equivalent for. */
function healNotes(heal: HealPolicy, note: (key: string, message: string) => void): void {
  note(
    'heal.backoff',
    `backoff ${heal.backoff.initialMs}ms ×${heal.backoff.factor} up to ${heal.backoff.maxMs}ms: Kubernetes' own CrashLoopBackOff (10s doubling to 5m) is not configurable`,
  );
  note(
    'heal.max_restarts',
    `the breaker (${heal.maxRestarts} restarts in ${Math.round(heal.windowMs / 1000)}s, then stop) has no equivalent: Kubernetes restarts forever`,
  );
  if (heal.restartDependents)
    note('heal.restart_dependents', 'restarting dependents after a recovery has no equivalent: their readiness probes fail and recover on their own');
  if (!heal.on.includes('exit')) note('heal.on', 'not healing exits has no equivalent: a Deployment restarts exited containers always');
}

function securityContext(s: ComposeMap): Record<string, unknown> {
  const user = str(s['user']);
  const ctx: Record<string, unknown> = {
    ...(s['privileged'] === true ? { privileged: true } : {}),
    ...(s['read_only'] === true ? { readOnlyRootFilesystem: true } : {}),
    ...(user && /^\d+$/.test(user.split(':')[0]!) ? { runAsUser: Number(user.split(':')[0]) } : {}),
    ...(s['cap_add'] || s['cap_drop']
      ? {
          capabilities: {
            ...(s['cap_add'] ? { add: list(s['cap_add']).map(String) } : {}),
            ...(s['cap_drop'] ? { drop: list(s['cap_drop']).map(String) } : {}),
          },
        }
      : {}),
  };
  return Object.keys(ctx).length ? { securityContext: ctx } : {};
}
