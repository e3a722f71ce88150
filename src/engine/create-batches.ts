/**
 * Creating containers for `up`: compose creates them in batches, in start order, while earlier batches
 * already start. Compose v1 slows down superlinearly with many services in one call (measured here: 200
 * services in one call did not finish in 5 minutes; in batches of 40 all 200 took 6 s).
 */
import type { Clock } from '../core/clock.js';
import type { Emit } from '../core/events.js';
import type { Runtime } from '../runtime/types.js';

/** Services per compose create call. */
export const CREATE_BATCH = 40;

export interface Creation {
  /** Resolves true once the batch holding `service` is created, false when it (or an earlier batch) failed. */
  ready(service: string): Promise<boolean>;
  /** The first failure, once known. */
  error(): unknown;
  /** Whether everything is created before anything starts (one batch). */
  single: boolean;
}

const chunk = <T>(xs: readonly T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

/** `order` holds stack service names in start order; `composeName` maps each to its compose service. */
export function createInBatches(
  deps: { runtime: Runtime; clock: Clock; emit: Emit },
  order: readonly string[],
  composeName: (service: string) => string,
  batchSize = CREATE_BATCH,
): Creation {
  const batches = chunk(order, batchSize);
  const batchOf = new Map(batches.flatMap((b, i) => b.map((n) => [n, i] as const)));
  let failure: unknown;
  const created: Promise<boolean>[] = [];
  for (const [i, batch] of batches.entries()) {
    created.push(
      (async () => {
        if (i > 0 && !(await created[i - 1])) return false;
        deps.emit({ type: 'create', at: deps.clock.now(), phase: 'begin', services: batch });
        try {
          await deps.runtime.create(batch.map(composeName));
        } catch (err) {
          failure = err;
          return false;
        }
        deps.emit({ type: 'create', at: deps.clock.now(), phase: 'end', services: batch });
        return true;
      })(),
    );
  }
  return { ready: (service) => created[batchOf.get(service)!]!, error: () => failure, single: batches.length === 1 };
}
