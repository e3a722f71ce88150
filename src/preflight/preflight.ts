/**
 * Before anything starts: what the services to start need (host ports, memory, images) against what this
 * machine and engine have. Services already running are skipped (what they hold is theirs); when nothing is
 * left to start, nothing is asked of the engine.
 */
import type { StackSpec } from '../config/types.js';
import { PreflightError } from '../core/errors.js';
import type { EngineFacts, Runtime } from '../runtime/types.js';
import { preflightProblems, type PreflightProblem, type WantedPort } from './checks.js';
import { registryOf, type HostChecks } from './host.js';

export const REGISTRY_TIMEOUT_MS = 2_000;

export interface PreflightResult {
  problems: PreflightProblem[];
  /** What the engine said (not asked when nothing is to start). */
  engine?: EngineFacts;
}

export async function preflight(deps: { spec: StackSpec; runtime: Runtime; host: HostChecks }, selected: readonly string[]): Promise<PreflightResult> {
  const { spec, runtime, host } = deps;
  const byCompose = new Map<string, string[]>();
  for (const n of selected) byCompose.set(spec.services[n]!.composeService, [...(byCompose.get(spec.services[n]!.composeService) ?? []), n]);
  const found = await runtime.needs([...byCompose.keys()]);
  const needs = found
    .filter((n) => !n.running)
    .flatMap((n) =>
      (byCompose.get(n.service) ?? []).map((name) => ({
        ...n,
        service: name,
        runsAs: spec.services[name]!.process ? ('process' as const) : ('container' as const),
      })),
    );
  if (needs.length === 0) return { problems: [] };

  // Ports the project's own containers publish now (an orphan that up removes first, a container being
  // recreated) are not in the way.
  const ours = needs.some((n) => n.hostPorts.length > 0)
    ? new Set([...(await runtime.inspectAll()).values()].filter((c) => c.state === 'running').flatMap((c) => c.ports.map((p) => `${p.hostPort}/${p.protocol}`)))
    : new Set<string>();
  const ports: WantedPort[] = await Promise.all(
    needs.flatMap((n) =>
      n.hostPorts.map(async (p): Promise<WantedPort> => {
        if (ours.has(`${p.port}/${p.protocol}`)) return { service: n.service, ...p };
        if (await host.portFree(p)) return { service: n.service, ...p };
        return { service: n.service, ...p, holder: host.portHolder(p.port, p.protocol) ?? '' };
      }),
    ),
  );
  const engine = await runtime.engineFacts();
  const freeBytes = engine.localDataRoot ? host.freeBytes(engine.localDataRoot) : undefined;
  const images = [...new Set(needs.flatMap((n) => (n.missingImage ? [n.missingImage] : [])))];
  const registryReachable = new Map(await Promise.all(images.map(async (i) => [i, await host.reachable(registryOf(i), REGISTRY_TIMEOUT_MS)] as const)));
  return { problems: preflightProblems({ needs, ports, engine, ...(freeBytes === undefined ? {} : { freeBytes }), registryReachable }), engine };
}

/** Refuses (PreflightError, exit 2) when any error was found; returns the warnings. STACK_PREFLIGHT=0 skips it all. */
export async function assertPreflight(deps: { spec: StackSpec; runtime: Runtime; host: HostChecks }, selected: readonly string[]): Promise<PreflightProblem[]> {
  if (deps.spec.env['STACK_PREFLIGHT'] === '0') return [];
  const { problems } = await preflight(deps, selected);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new PreflightError(errors);
  return problems;
}
