/** Dependency cycles, each as the ordered list of services along it (a → b → c → back to a). Pure. */
import { alg, buildGraph, type GraphInput } from './dependency-graph.js';

export function findCycles(services: Readonly<Record<string, GraphInput>>): string[][] {
  const g = buildGraph(services);
  const cycles: string[][] = [];
  // graphlib finds each strongly connected component; walk it to print the cycle in dependency order.
  for (const component of alg.findCycles(g)) {
    const members = new Set(component);
    const start = [...members].sort()[0]!;
    cycles.push(walkCycle(start, members, (n) => (g.successors(n) ?? []).sort()));
  }
  // Self-dependencies are cycles of one that findCycles reports only on some versions.
  for (const name of Object.keys(services).sort()) {
    if (g.hasEdge(name, name) && !cycles.some((c) => c.length === 1 && c[0] === name)) cycles.push([name]);
  }
  return cycles.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** Depth-first from `start` inside one component until it comes back to `start`. */
function walkCycle(start: string, members: Set<string>, next: (n: string) => string[]): string[] {
  const path: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string): boolean => {
    path.push(n);
    seen.add(n);
    for (const m of next(n)) {
      if (m === start) return true;
      if (members.has(m) && !seen.has(m) && visit(m)) return true;
    }
    path.pop();
    return false;
  };
  visit(start);
  return path;
}
