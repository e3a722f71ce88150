/**
 * Planning, all pure: which services an `up` touches, in which waves, and the order `down` stops them.
 * Wave k holds the services whose longest dependency chain has k edges, names sorted within a wave.
 */
import { alg, buildGraph, type GraphInput } from './dependency-graph.js';
import { byName } from '../core/order.js';

export type Waves = string[][];

/** The named services and everything they transitively depend on. Unknown names are returned as `unknown`. */
export function selectServices(services: Readonly<Record<string, GraphInput>>, requested: readonly string[]): { selected: string[]; unknown: string[] } {
  if (requested.length === 0) return { selected: Object.keys(services).sort(), unknown: [] };
  const unknown = requested.filter((r) => !(r in services));
  // Iterative: a dependency chain may be 20,000 services long.
  const selected = new Set<string>();
  const todo = requested.filter((r) => r in services);
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (selected.has(name)) continue;
    selected.add(name);
    for (const d of services[name]!.dependsOn) if (d.service in services && !selected.has(d.service)) todo.push(d.service);
  }
  return { selected: [...selected].sort(), unknown };
}

/**
 * The depth of each service of the subset (default: all): 0 without dependencies, else one more than its
 * deepest dependency. Kahn's algorithm, linear in services + dependencies; a service on or behind a
 * dependency cycle never gets a depth and is left out.
 */
export function depths(services: Readonly<Record<string, GraphInput>>, subset?: readonly string[]): Map<string, number> {
  const names = subset ?? Object.keys(services);
  const inSubset = new Set(names);
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const name of names) {
    const deps = new Set(services[name]!.dependsOn.map((d) => d.service).filter((d) => inSubset.has(d)));
    waiting.set(name, deps.size);
    for (const d of deps) (dependents.get(d) ?? dependents.set(d, []).get(d)!).push(name);
  }
  const depth = new Map<string, number>();
  const ready = names.filter((n) => waiting.get(n) === 0);
  for (const n of ready) depth.set(n, 0);
  while (ready.length > 0) {
    const n = ready.pop()!;
    for (const d of dependents.get(n) ?? []) {
      depth.set(d, Math.max(depth.get(d) ?? 0, depth.get(n)! + 1));
      const left = waiting.get(d)! - 1;
      waiting.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  return depth;
}

/** Waves of the given subset (default: all). Assumes no cycles (the loader rejects them). */
export function planWaves(services: Readonly<Record<string, GraphInput>>, subset?: readonly string[]): Waves {
  const waves: Waves = [];
  for (const [name, d] of depths(services, subset)) (waves[d] ??= []).push(name);
  return waves.map((w) => w.sort());
}

/** Stop order for `down`: dependents before their dependencies. */
export function stopOrder(waves: Waves): Waves {
  return [...waves].reverse();
}

/** Services that (transitively) depend on `name`, within the given subset. Linear, iterative. */
export function dependentsOf(services: Readonly<Record<string, GraphInput>>, name: string, subset?: readonly string[]): string[] {
  const names = new Set(subset ?? Object.keys(services));
  const direct = new Map<string, string[]>();
  for (const n of names) for (const d of services[n]?.dependsOn ?? []) (direct.get(d.service) ?? direct.set(d.service, []).get(d.service)!).push(n);
  const out = new Set<string>();
  const todo = [name];
  while (todo.length > 0) {
    for (const d of direct.get(todo.pop()!) ?? []) {
      if (out.has(d)) continue;
      out.add(d);
      todo.push(d);
    }
  }
  return [...out].sort();
}

/** Longest chain of services, weighted by each service's time to ready: the floor for any `up`. */
export function criticalPath(services: Readonly<Record<string, GraphInput>>, readyMs: Readonly<Record<string, number>>): { path: string[]; ms: number } {
  const g = buildGraph(services);
  const best = new Map<string, { ms: number; path: string[] }>();
  for (const name of alg.topsort(g).reverse()) {
    const deps = (g.successors(name) ?? []).map((d) => best.get(d)!);
    const longest = deps.reduce<{ ms: number; path: string[] }>((a, b) => (b.ms > a.ms ? b : a), { ms: 0, path: [] });
    best.set(name, { ms: longest.ms + (readyMs[name] ?? 0), path: [...longest.path, name] });
  }
  return [...best.values()].reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, path: [] });
}

/**
 * For each service of the subset (default: all), the longest chain of dependents below it, itself included,
 * each service counted as `weight(name)` (default 1): the priority of critical-path-first list scheduling.
 * When more services may start than there are start slots, the one with the longest chain below it starts
 * first, because everything on that chain waits for it. Linear; assumes no cycles (the loader rejects them).
 */
export function chainBelow(
  services: Readonly<Record<string, GraphInput>>,
  subset?: readonly string[],
  weight: (name: string) => number = () => 1,
): Map<string, number> {
  const depth = depths(services, subset);
  const dependents = new Map<string, string[]>();
  for (const n of depth.keys())
    for (const d of services[n]!.dependsOn) if (depth.has(d.service)) (dependents.get(d.service) ?? dependents.set(d.service, []).get(d.service)!).push(n);
  const rank = new Map<string, number>();
  // Deepest first: every dependent is ranked before the services it depends on.
  for (const n of [...depth.keys()].sort((a, b) => depth.get(b)! - depth.get(a)!)) {
    rank.set(n, weight(n) + (dependents.get(n) ?? []).reduce((most, d) => Math.max(most, rank.get(d)!), 0));
  }
  return rank;
}

/** Start order: wave by wave, and within a wave the longest chain below first (then by name). */
export function startOrder(waves: Waves, rank: ReadonlyMap<string, number>): string[] {
  return waves.flatMap((w) => [...w].sort((a, b) => rank.get(b)! - rank.get(a)! || byName(a, b)));
}
