/**
 * Dependency cycles, each as the ordered list of services along it (a → b → c → back to a). Pure.
 * Iterative throughout (Kahn, then Tarjan, then a breadth-first walk): a hostile file with one cycle through
 * 20,000 services must not overflow the call stack, as graphlib's recursive Tarjan does.
 */
import type { GraphInput } from './dependency-graph.js';
import { depths } from './plan.js';
import { byName } from '../core/order.js';

export function findCycles(services: Readonly<Record<string, GraphInput>>): string[][] {
  // Kahn's algorithm (linear) settles the usual case; only what is on or behind a cycle is looked at further.
  const ordered = depths(services);
  const rest = Object.keys(services).filter((n) => !ordered.has(n));
  if (rest.length === 0) return [];
  const inRest = new Set(rest);
  const succ = new Map(rest.map((n) => [n, [...new Set(services[n]!.dependsOn.map((d) => d.service))].filter((d) => inRest.has(d)).sort()]));
  const next = (n: string) => succ.get(n) ?? [];
  const cycles = stronglyConnected(rest.sort(), next)
    .filter((c) => c.length > 1 || next(c[0]!).includes(c[0]!))
    .map((component) => {
      const members = new Set(component);
      return shortestCycle([...members].sort()[0]!, members, next);
    });
  return cycles.sort((a, b) => byName(a[0]!, b[0]!));
}

/** Tarjan's strongly connected components, with an explicit stack instead of recursion. */
function stronglyConnected(nodes: readonly string[], next: (n: string) => readonly string[]): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (n: string) => {
    index.set(n, counter);
    low.set(n, counter++);
    stack.push(n);
    onStack.add(n);
  };
  for (const root of nodes) {
    if (index.has(root)) continue;
    visit(root);
    const work: [string, number][] = [[root, 0]];
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const [v, i] = frame;
      const successors = next(v);
      if (i < successors.length) {
        frame[1]++;
        const w = successors[i]!;
        if (!index.has(w)) {
          visit(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent[0], Math.min(low.get(parent[0])!, low.get(v)!));
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        out.push(component);
      }
    }
  }
  return out;
}

/** The shortest way from `start` back to itself inside one component (breadth-first, successors in name order). */
function shortestCycle(start: string, members: ReadonlySet<string>, next: (n: string) => readonly string[]): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const n = queue[head]!;
    for (const m of next(n)) {
      if (!members.has(m)) continue;
      if (m === start) {
        const path = [n];
        while (path[0] !== start) path.unshift(parent.get(path[0]!)!);
        return path;
      }
      if (!parent.has(m) && m !== start) {
        parent.set(m, n);
        queue.push(m);
      }
    }
  }
  return [start];
}
