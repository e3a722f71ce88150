/** `down`: stop dependents before their dependencies, wave by wave, then let compose remove the project. */
import type { StackSpec } from '../config/types.js';
import { planWaves, stopOrder } from '../graph/plan.js';
import type { Runtime } from '../runtime/types.js';
import type { Clock } from '../core/clock.js';
import type { Emit } from '../core/events.js';

export interface DownOptions {
  volumes?: boolean;
  /** Seconds each container gets to stop before it is killed. */
  timeoutSeconds?: number;
}

export async function down(
  deps: { spec: StackSpec; runtime: Runtime; clock: Clock; emit: Emit },
  options: DownOptions = {},
): Promise<{ durationMs: number; order: string[][] }> {
  const { spec, runtime, clock, emit } = deps;
  const begin = clock.now();
  await runtime.ping();
  const order = stopOrder(planWaves(spec.services));
  for (const wave of order) {
    await Promise.all(
      wave.map(async (name) => {
        const info = await runtime.inspect(spec.services[name]!.composeService);
        if (info?.state !== 'running' && info?.state !== 'restarting' && info?.state !== 'paused') return;
        emit({ type: 'stop', at: clock.now(), service: name, phase: 'begin' });
        await runtime.stop(spec.services[name]!.composeService, options.timeoutSeconds ?? 10);
        emit({ type: 'stop', at: clock.now(), service: name, phase: 'end' });
      }),
    );
  }
  await runtime.down({ volumes: options.volumes ?? false });
  emit({ type: 'removed', at: clock.now(), volumes: options.volumes ?? false });
  return { durationMs: clock.now() - begin, order };
}
