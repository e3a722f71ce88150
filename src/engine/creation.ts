/**
 * Creating containers for `up`: one call to the runtime for everything, in start order; each service may start
 * the moment its own container exists (the runtime reports each one), while later ones are still being created.
 */
import type { Clock } from '../core/clock.js';
import type { Emit } from '../core/events.js';
import type { CreateReport, Runtime } from '../runtime/types.js';

export interface Creation {
  /** Resolves true once the container of `service` exists, false when creating failed before it did. */
  ready(service: string): Promise<boolean>;
  /** The failure, once known. */
  error(): unknown;
}

/** `order` holds stack service names in start order; `composeName` maps each to its compose service. */
export function createAll(deps: { runtime: Runtime; clock: Clock; emit: Emit }, order: readonly string[], composeName: (service: string) => string): Creation {
  const byCompose = new Map<string, string[]>();
  for (const n of order) byCompose.set(composeName(n), [...(byCompose.get(composeName(n)) ?? []), n]);
  const settle = new Map<string, (ok: boolean) => void>();
  const ready = new Map(order.map((n) => [n, new Promise<boolean>((r) => settle.set(n, r))] as const));
  let failure: unknown;
  deps.emit({ type: 'create', at: deps.clock.now(), phase: 'begin', services: [...order] });
  void deps.runtime.create([...byCompose.keys()], { onCreated: (c) => byCompose.get(c)?.forEach((n) => settle.get(n)!(true)) }).then(
    (reports: CreateReport[]) => {
      order.forEach((n) => settle.get(n)!(true));
      deps.emit({ type: 'create', at: deps.clock.now(), phase: 'end', services: [...order], reports });
    },
    (err: unknown) => {
      failure = err;
      order.forEach((n) => settle.get(n)!(false)); // those already reported stay true
    },
  );
  return { ready: (service) => ready.get(service)!, error: () => failure };
}
