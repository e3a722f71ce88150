/** Walks over the dependency graph for the supervisor (pure): which dependency is down, whose dependents are affected. */
import type { ServiceSpec } from '../config/types.js';

/** The first (transitive) dependency of `name` that `isDown` says is down, if any. */
export function downDependency(
  services: Readonly<Record<string, Pick<ServiceSpec, 'dependsOn'>>>,
  name: string,
  isDown: (service: string) => boolean,
): string | undefined {
  const seen = new Set<string>();
  const stack = [name];
  while (stack.length > 0) {
    for (const d of services[stack.pop()!]?.dependsOn ?? []) {
      if (seen.has(d.service)) continue;
      seen.add(d.service);
      if (isDown(d.service)) return d.service;
      stack.push(d.service);
    }
  }
  return undefined;
}
