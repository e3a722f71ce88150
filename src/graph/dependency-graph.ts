/** The dependency graph as a graphlib Graph: an edge a → b means "a depends on b". Pure. */
import graphlib from '@dagrejs/graphlib';

export interface GraphInput {
  dependsOn: readonly { service: string }[];
}

export type DependencyGraph = graphlib.Graph;

export function buildGraph(services: Readonly<Record<string, GraphInput>>): DependencyGraph {
  const g = new graphlib.Graph({ directed: true });
  for (const name of Object.keys(services)) g.setNode(name);
  for (const [name, s] of Object.entries(services)) {
    for (const d of s.dependsOn) if (d.service in services) g.setEdge(name, d.service);
  }
  return g;
}

export const { alg } = graphlib;
