/**
 * What an ideal orchestrator could do on this engine (pure): neither floor alone says it. The engine floor
 * counts no readiness; the critical path counts no engine. Here the engine starts one container at a time,
 * each taking `startMs` (the engine floor / n, measured in the same run); a service may start once all its
 * dependencies are ready; it is ready `readyDelayMs` after its start completes; it is seen ready at once (no
 * probe latency). Among the services that may start, the one with the longest chain below it goes first
 * (critical-path-first list scheduling, as `stack up` does). The makespan is what such a tool would take.
 * List scheduling is not always optimal, so this is a model of the best practical schedule, not a proof of
 * a lower bound; it is never below max(critical path, engine floor) by more than the engine floor's creates.
 */
export interface ModelService {
  name: string;
  dependsOn: readonly string[];
  readyDelayMs: number;
}

export function idealScheduleMs(services: readonly ModelService[], startMs: number): number {
  const byName = new Map(services.map((s) => [s.name, s]));
  const dependents = new Map<string, string[]>(services.map((s) => [s.name, []]));
  for (const s of services) for (const d of s.dependsOn) dependents.get(d)?.push(s.name);
  // Longest chain (start + readiness) from each service to the end of the graph.
  const below = new Map<string, number>();
  const chain = (n: string): number => {
    const known = below.get(n);
    if (known !== undefined) return known;
    const own = startMs + byName.get(n)!.readyDelayMs;
    const v = own + Math.max(0, ...dependents.get(n)!.map(chain));
    below.set(n, v);
    return v;
  };
  services.forEach((s) => chain(s.name));

  const readyAt = new Map<string, number>();
  const pending = new Set(services.map((s) => s.name));
  let engineFree = 0;
  while (pending.size > 0) {
    // The earliest moment some pending service may start, and which may start then.
    let at = Infinity;
    const startable: string[] = [];
    for (const n of pending) {
      const deps = byName.get(n)!.dependsOn;
      if (!deps.every((d) => readyAt.has(d))) continue;
      const t = Math.max(0, ...deps.map((d) => readyAt.get(d)!));
      if (t < at) at = t;
      startable.push(n);
    }
    const when = Math.max(engineFree, at);
    const ready = startable.filter((n) => Math.max(0, ...byName.get(n)!.dependsOn.map((d) => readyAt.get(d)!)) <= when);
    const next = ready.sort((a, b) => below.get(b)! - below.get(a)! || (a < b ? -1 : 1))[0]!;
    engineFree = when + startMs;
    readyAt.set(next, engineFree + byName.get(next)!.readyDelayMs);
    pending.delete(next);
  }
  return Math.max(...readyAt.values());
}
