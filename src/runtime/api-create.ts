/**
 * The fast path's hands: networks and volumes, then containers through the engine API, up to 8 in flight, in
 * the order given, each reported the moment it exists. A container whose config-hash label equals compose's is
 * kept; one whose hash differs is removed and created again, as compose does.
 */
import type Docker from 'dockerode';
import { StartFailedError } from '../core/errors.js';
import { composeLabel, type ContainerPlan, type NetworkPlan, type VolumePlan } from './container-spec.js';
import { hintFor } from './compose-cli.js';
import type { CreateReport } from './types.js';

export const CREATE_IN_FLIGHT = 8;

export interface Existing {
  id: string;
  hash: string;
  image: string;
}

/**
 * The name suffix of a container kept aside, stopped, while its replacement passes its gate (`replace`): it
 * still carries the compose labels, so every list of the project's containers leaves it out.
 */
export const ASIDE_SUFFIX = '-stack-previous';
const isAside = (c: Docker.ContainerInfo) => (c.Names ?? []).some((n) => n.endsWith(ASIDE_SUFFIX));

/** The project's own containers (not one-off `run` containers, not one kept aside), of one compose service when given: one list call. */
export async function listProjectContainers(docker: Docker, project: string, service?: string, aside = false): Promise<Docker.ContainerInfo[]> {
  const label = [`${composeLabel('project')}=${project}`, `${composeLabel('oneoff')}=False`];
  if (service !== undefined) label.push(`${composeLabel('service')}=${service}`);
  return (await docker.listContainers({ all: true, filters: { label } })).filter((c) => isAside(c) === aside);
}

/**
 * Containers kept aside by a replacement that never finished (`up` was interrupted during the new one's gate),
 * of these services: removed. Only for services being created now — never one whose replacement is in flight.
 */
export async function removeLeftoversAside(docker: Docker, project: string, services: readonly string[]): Promise<void> {
  const mine = new Set(services);
  const aside = await listProjectContainers(docker, project, undefined, true);
  await Promise.all(
    aside.filter((c) => mine.has(c.Labels[composeLabel('service')] ?? '')).map((c) => docker.getContainer(c.Id).remove({ force: true, v: false })),
  );
}

/** The project's containers by compose service: one list call. */
export async function existingContainers(docker: Docker, project: string): Promise<Map<string, Existing>> {
  const found = await listProjectContainers(docker, project);
  return new Map(
    found.map((c) => [c.Labels[composeLabel('service')] ?? '', { id: c.Id, hash: c.Labels[composeLabel('config-hash')] ?? '', image: c.ImageID }] as const),
  );
}

/** Creates what is missing of these networks and volumes (external ones must exist). */
export async function ensureResources(docker: Docker, project: string, networks: NetworkPlan[], volumes: VolumePlan[]): Promise<void> {
  if (networks.length > 0) {
    const have = new Set((await docker.listNetworks()).map((n) => n.Name));
    for (const n of networks) {
      if (have.has(n.name)) continue;
      if (n.external) throw new StartFailedError(`external network ${n.name} does not exist`, `Create it first: docker network create ${n.name}`);
      try {
        await docker.createNetwork(n.body as unknown as Docker.NetworkCreateOptions);
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 409) throw engineError(`create network ${n.name} for ${project}`, err);
      }
    }
  }
  if (volumes.length > 0) {
    const have = new Set(((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name));
    for (const v of volumes) {
      if (have.has(v.name)) continue;
      if (v.external) throw new StartFailedError(`external volume ${v.name} does not exist`, `Create it first: docker volume create ${v.name}`);
      await docker.createVolume(v.body).catch((err: unknown) => {
        throw engineError(`create volume ${v.name}`, err);
      });
    }
  }
}

/** Creates (or keeps, or recreates) each planned container; `onCreated` hears of each as soon as it exists. */
export async function createContainers(
  docker: Docker,
  plans: ContainerPlan[],
  existing: Map<string, Existing>,
  onCreated: (service: string) => void,
): Promise<CreateReport[]> {
  const reports: CreateReport[] = [];
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < plans.length) {
      const plan = plans[next++]!;
      try {
        reports.push(await createOne(docker, plan, existing.get(plan.service)));
        onCreated(plan.service);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CREATE_IN_FLIGHT, plans.length) }, worker));
  if (failure !== undefined) throw failure;
  return reports;
}

async function createOne(docker: Docker, plan: ContainerPlan, found: Existing | undefined): Promise<CreateReport> {
  const hash = (plan.body['Labels'] as Record<string, string>)[composeLabel('config-hash')]!;
  if (found && found.hash === hash) return { service: plan.service, via: 'api', action: 'kept' };
  const why = found ? await describeChange(docker, found, plan.body) : '';
  if (found) await docker.getContainer(found.id).remove({ force: true, v: false });
  let container: Docker.Container;
  try {
    container = await docker.createContainer(plan.body as Docker.ContainerCreateOptions);
  } catch (err) {
    throw engineError(`create ${plan.service}`, err);
  }
  for (const c of plan.connect) {
    await docker
      .getNetwork(c.network)
      .connect({ Container: container.id, EndpointConfig: c.endpoint })
      .catch((err: unknown) => {
        throw engineError(`connect ${plan.service} to ${c.network}`, err);
      });
  }
  return found ? { service: plan.service, via: 'api', action: 'recreated', reason: why } : { service: plan.service, via: 'api', action: 'created' };
}

/** Why the existing container differs from the planned body, in words (see whatChanged). */
export async function describeChange(docker: Docker, found: Existing, body: Body): Promise<string> {
  return docker
    .getContainer(found.id)
    .inspect()
    .then(
      (info) => whatChanged(info as unknown as { Config: Body; HostConfig: Body }, body),
      () => 'its compose definition changed',
    );
}

type Body = Record<string, unknown>;
const env = (list: unknown): Map<string, string> =>
  new Map(((list as string[] | undefined) ?? []).map((kv) => [kv.split('=')[0]!, kv.slice(kv.indexOf('=') + 1)] as const));
/** The names (never the values: they hold secrets) of the variables that differ between two `K=V` lists. */
export function changedVariables(before: unknown, after: unknown): string[] {
  const [was, now] = [env(before), env(after)];
  return [...new Set([...was.keys(), ...now.keys()])].filter((k) => was.get(k) !== now.get(k)).sort();
}
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
/** Port bindings and mounts as comparable strings: the engine fills in defaults (empty HostIp, options) we leave out. */
const ports = (p: unknown) =>
  Object.entries((p ?? {}) as Record<string, { HostIp?: string; HostPort?: string }[] | null>)
    .flatMap(([k, bs]) => (bs ?? []).map((b) => `${b.HostIp ?? ''}:${b.HostPort ?? ''}->${k}`))
    .sort();
const mounts = (h: Body) =>
  [
    ...((h['Binds'] as string[] | undefined) ?? []),
    ...((h['Mounts'] as { Type?: string; Source?: string; Target?: string }[] | undefined) ?? []).map((m) => `${m.Type}:${m.Source ?? ''}:${m.Target}`),
  ].sort();

/**
 * Why a container is recreated, in words: which of the things people change did change between the old
 * container and the new definition. Environment variables are named, never shown (they hold secrets).
 */
export function whatChanged(old: { Config: Body; HostConfig: Body }, body: Body): string {
  const out: string[] = [];
  if (old.Config['Image'] !== body['Image']) out.push(`image ${String(old.Config['Image'])} → ${String(body['Image'])}`);
  const vars = changedVariables(old.Config['Env'], body['Env']);
  if (vars.length) out.push(`environment (${vars.join(', ')})`);
  if (body['Cmd'] !== undefined && !same(old.Config['Cmd'], body['Cmd'])) out.push('command');
  if (body['Entrypoint'] !== undefined && !same(old.Config['Entrypoint'], body['Entrypoint'])) out.push('entrypoint');
  const host = (body['HostConfig'] ?? {}) as Body;
  if (!same(ports(old.HostConfig['PortBindings']), ports(host['PortBindings']))) out.push('ports');
  if (!same(mounts(old.HostConfig), mounts(host))) out.push('volumes');
  return out.length ? `changed: ${out.join('; ')}` : 'its compose definition changed';
}

function engineError(what: string, err: unknown): StartFailedError {
  const text = String((err as { json?: { message?: string } }).json?.message ?? (err as Error).message ?? err);
  return new StartFailedError(`the engine could not ${what}: ${text}`, hintFor(text), [], err);
}
