/**
 * The pre-flight checks, pure: from what the services need and what the machine has, every problem at once,
 * each with its fix. Errors make `up` refuse (exit 2) before anything is created; warnings are printed.
 */
import type { EngineFacts, ServiceNeeds } from '../runtime/types.js';

export interface PreflightProblem {
  severity: 'error' | 'warning';
  /** The stack.yaml service it is about, when it is about one. */
  service?: string;
  /** Where the fix goes: `services.redis.ports` of the compose files, `stack.yaml services.x.ports`, the engine. */
  key: string;
  message: string;
  fix: string;
}

/** A host port as the engine binds it: an empty address is every address. */
export interface WantedPort {
  service: string;
  ip: string;
  port: number;
  protocol: string;
  /** Who holds it now; undefined: free. `''`: taken, holder unknown. */
  holder?: string;
}

export interface PreflightFacts {
  /** Per stack.yaml service: what it needs (already running ones need nothing). */
  needs: readonly (ServiceNeeds & { runsAs: 'container' | 'process' })[];
  ports: readonly WantedPort[];
  engine: EngineFacts;
  /** Free bytes on the engine's data root, when it is on this machine. */
  freeBytes?: number;
  /** Whether the registry of each missing image answers (by image). */
  registryReachable: ReadonlyMap<string, boolean>;
}

export const DISK = { refuseBelow: 1 * 2 ** 30, warnBelow: 5 * 2 ** 30 };

/** The oldest engine stack talks to: Docker 19.03 (API 1.40). */
export const MIN_ENGINE = { api: '1.40', release: '19.03' };

/** Keys of a compose file that need a given engine (API) or compose version; what `needs` reports as features. */
export const FEATURES: Readonly<Record<string, { what: string; engineApi?: [api: string, release: string]; composeV1?: string; composeV2?: string }>> = {
  'healthcheck.start_interval': { what: 'healthcheck start_interval', engineApi: ['1.44', '25.0'], composeV2: '2.20.2' },
  'depends_on.condition.service_completed_successfully': { what: 'depends_on condition service_completed_successfully', composeV1: '1.29.0' },
  profiles: { what: 'profiles', composeV1: '1.28.0' },
};

/** Dotted version numbers compared as numbers (1.9 < 1.10); a missing part counts as 0. */
export function versionBelow(version: string, min: string): boolean {
  const a = version.split(/[.+-]/).map((p) => parseInt(p, 10) || 0);
  const b = min.split('.').map((p) => parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
}

const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
const where = (p: { ip: string; port: number; protocol: string }) => `${p.ip || '0.0.0.0'}:${p.port}${p.protocol === 'tcp' ? '' : `/${p.protocol}`}`;

export function preflightProblems(f: PreflightFacts): PreflightProblem[] {
  const out: PreflightProblem[] = [];
  const runsAs = new Map(f.needs.map((n) => [n.service, n.runsAs]));
  const portKey = (service: string) => (runsAs.get(service) === 'process' ? `stack.yaml services.${service}.ports` : `services.${service}.ports (compose)`);

  // Two services of the stack on one host port: the second would fail whatever else runs.
  const seen = new Map<string, string>();
  for (const p of f.ports) {
    const id = `${p.port}/${p.protocol}`;
    const first = seen.get(id);
    if (first !== undefined && first !== p.service)
      out.push({
        severity: 'error',
        service: p.service,
        key: portKey(p.service),
        message: `host port ${where(p)} is published by both ${first} and ${p.service}`,
        fix: `Give one of them another host port (or none: "${p.port}" → a random one, see \`stack env\`).`,
      });
    else seen.set(id, p.service);
  }
  for (const p of f.ports) {
    if (p.holder === undefined) continue;
    out.push({
      severity: 'error',
      service: p.service,
      key: portKey(p.service),
      message: `host port ${where(p)} for ${p.service} is taken${p.holder ? ` by ${p.holder}` : ' by another process'}`,
      fix: p.holder.startsWith('docker-proxy')
        ? `Another container publishes it (\`docker ps --filter publish=${p.port}\`): stop it, or publish ${p.service} on another host port.`
        : `Stop that process, or publish ${p.service} on another host port (the compose file's port variable, e.g. in .env).`,
    });
  }

  if (f.freeBytes !== undefined && f.engine.localDataRoot && f.freeBytes < DISK.warnBelow) {
    const refuse = f.freeBytes < DISK.refuseBelow;
    out.push({
      severity: refuse ? 'error' : 'warning',
      key: `the engine's data root ${f.engine.localDataRoot}`,
      message: `only ${gib(f.freeBytes)} free on the engine's data root (${refuse ? 'at least' : 'below'} ${gib(refuse ? DISK.refuseBelow : DISK.warnBelow)} ${refuse ? 'needed' : 'is tight'})`,
      fix: 'Free space: `docker system prune` (unused images, stopped containers, build cache), `docker volume prune` for unused volumes.',
    });
  }

  const limited = f.needs.filter((n) => n.memoryBytes !== undefined);
  const total = limited.reduce((sum, n) => sum + n.memoryBytes!, 0);
  if (f.engine.memTotalBytes !== undefined && total > f.engine.memTotalBytes)
    out.push({
      severity: 'error',
      key: limited.map((n) => `services.${n.service}.mem_limit`).join(', '),
      message: `the memory limits of the services to start add up to ${gib(total)} (${limited.map((n) => `${n.service} ${gib(n.memoryBytes!)}`).join(', ')}), more than the engine's ${gib(f.engine.memTotalBytes)}`,
      fix: 'Lower the limits in the compose files, start fewer services (`stack up SERVICE…`, a profile), or give the engine more memory (Docker Desktop: Settings → Resources).',
    });

  for (const n of f.needs) {
    if (!n.missingImage || f.registryReachable.get(n.missingImage) !== false) continue;
    out.push({
      severity: 'error',
      service: n.service,
      key: `services.${n.service}.image (compose)`,
      message: `image ${n.missingImage} of ${n.service} is not on this engine and its registry cannot be reached`,
      fix: 'Build or load it locally (in this repository: `bash scripts/build-images.sh`), or connect to the registry (network, proxy, `docker login`).',
    });
  }
  // What the runtime itself finds wrong (swarm: keys it cannot honour), as it says it.
  for (const n of f.needs) for (const p of n.problems ?? []) out.push({ ...p, service: n.service });
  out.push(...versionProblems(f));
  return out;
}

/** What compose version the feature needs, when the one here is older (v1 lacks what only v2 has). */
function composeTooOld(compose: { flavor: 'v1' | 'v2'; version: string }, need: (typeof FEATURES)[string]): string | undefined {
  if (compose.flavor === 'v1') {
    if (need.composeV1 !== undefined) return versionBelow(compose.version, need.composeV1) ? `docker-compose ${need.composeV1}` : undefined;
    return need.composeV2 !== undefined ? `Docker Compose v2 (${need.composeV2})` : undefined;
  }
  return need.composeV2 !== undefined && versionBelow(compose.version, need.composeV2) ? `Docker Compose ${need.composeV2}` : undefined;
}

function versionProblems(f: PreflightFacts): PreflightProblem[] {
  const out: PreflightProblem[] = [];
  const { apiVersion, version, compose } = f.engine;
  const engine = `this engine is ${version ?? '?'} (API ${apiVersion ?? '?'})`;
  if (apiVersion && versionBelow(apiVersion, MIN_ENGINE.api))
    out.push({
      severity: 'error',
      key: 'the Docker engine',
      message: `stack needs Docker Engine ${MIN_ENGINE.release} (API ${MIN_ENGINE.api}) or later; ${engine}`,
      fix: 'Upgrade Docker (Docker Desktop, or the docker-ce / docker.io package).',
    });
  const users = new Map<string, string[]>();
  for (const n of f.needs) for (const k of n.features ?? []) users.set(k, [...(users.get(k) ?? []), n.service]);
  for (const [key, services] of users) {
    const need = FEATURES[key];
    if (!need) continue;
    const where = services.map((s) => `services.${s}`).join(', ');
    if (need.engineApi && apiVersion && versionBelow(apiVersion, need.engineApi[0]))
      out.push({
        severity: 'error',
        key: `${where} (compose)`,
        message: `${need.what} needs Docker Engine ${need.engineApi[1]} (API ${need.engineApi[0]}) or later; ${engine}`,
        fix: `Upgrade Docker, or take ${need.what} out of the compose file.`,
      });
    const tooOld = compose && composeTooOld(compose, need);
    if (tooOld)
      out.push({
        severity: 'error',
        key: `${where} (compose)`,
        message: `${need.what} needs ${tooOld}; this is ${compose.flavor === 'v1' ? 'docker-compose' : 'Docker Compose'} ${compose.version}`,
        fix: 'Install a newer compose (Docker Compose v2: the docker-compose-plugin package), or take it out of the compose file.',
      });
  }
  return out;
}
