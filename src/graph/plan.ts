/**
 * Planning, all pure: which services an `up` touches, in which waves, and the order `down` stops them.
 * Wave k holds the services whose longest dependency chain has k edges, names sorted within a wave.
 */
import { alg, buildGraph, type GraphInput } from './dependency-graph.js';

export type Waves = string[][];

/** The named services and everything they transitively depend on. Unknown names are returned as `unknown`. */
export function selectServices(services: Readonly<Record<string, GraphInput>>, requested: readonly string[]): { selected: string[]; unknown: string[] } {
  if (requested.length === 0) return { selected: Object.keys(services).sort(), unknown: [] };
  const unknown = requested.filter((r) => !(r in services));
  const selected = new Set<string>();
  const add = (name: string) => {
    if (selected.has(name) || !(name in services)) return;
    selected.add(name);
    for (const d of services[name]!.dependsOn) add(d.service);
  };
  requested.forEach(add);
  return { selected: [...selected].sort(), unknown };
}

/** Waves of the given subset (default: all). Assumes no cycles (the loader rejects them). */
export function planWaves(services: Readonly<Record<string, GraphInput>>, subset?: readonly string[]): Waves {
  const names = new Set(subset ?? Object.keys(services));
  const g = buildGraph(Object.fromEntries(Object.entries(services).filter(([n]) => names.has(n))));
  const depth = new Map<string, number>();
  // Reverse topological order visits every dependency before its dependents.
  for (const name of alg.topsort(g).reverse()) {
    const deps = g.successors(name) ?? [];
    depth.set(name, deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => depth.get(d)!)));
  }
  const waves: Waves = [];
  for (const [name, d] of depth) (waves[d] ??= []).push(name);
  return waves.map((w) => w.sort());
}

/** Stop order for `down`: dependents before their dependencies. */
export function stopOrder(waves: Waves): Waves {
  return [...waves].reverse();
}

/** Services that (transitively) depend on `name`, within the given subset. */
export function dependentsOf(services: Readonly<Record<string, GraphInput>>, name: string, subset?: readonly string[]): string[] {
  const names = new Set(subset ?? Object.keys(services));
  const out = new Set<string>();
  const visit = (target: string) => {
    for (const [n, s] of Object.entries(services)) {
      if (names.has(n) && !out.has(n) && s.dependsOn.some((d) => d.service === target)) {
        out.add(n);
        visit(n);
      }
    }
  };
  visit(name);
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
