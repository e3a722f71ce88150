/** Builds a StackSpec in code for engine tests: `{ api: { deps: ['db'], probe: true } }`. */
import { DEFAULTS } from '../../src/config/normalize.js';
import type { Condition, HealPolicy, ServiceSpec, StackSpec } from '../../src/config/types.js';

export interface MiniService {
  deps?: (string | [string, Condition])[];
  probe?: boolean;
  timeoutMs?: number;
  heal?: Partial<HealPolicy>;
  /** A run-to-completion service (kind: job): no probe, never healed, dependents wait for it to complete. */
  job?: boolean;
}

export function miniSpec(services: Record<string, MiniService>): StackSpec {
  const specs: Record<string, ServiceSpec> = {};
  for (const [name, s] of Object.entries(services)) {
    specs[name] = {
      name,
      composeService: name,
      kind: 'container',
      job: s.job ?? false,
      dependsOn: (s.deps ?? []).map((d) =>
        Array.isArray(d)
          ? { service: d[0], condition: d[1] }
          : { service: d, condition: services[d]?.job ? 'completed' : services[d]?.probe === false ? 'started' : 'healthy' },
      ),
      ...(s.probe === false || s.job ? {} : { probe: { type: 'tcp', port: 1, timing: { ...DEFAULTS.timing, intervalMs: 100 } } }),
      startupTimeoutMs: s.timeoutMs ?? 10_000,
      exports: {},
      heal: s.job ? null : { ...DEFAULTS.heal, on: [...DEFAULTS.heal.on], liveness: { intervalMs: 100, timeoutMs: 2_000, failureThreshold: 3 }, ...s.heal },
    };
  }
  return {
    file: '/x/stack.yaml',
    digest: 'test',
    dir: '/x',
    name: 'test',
    composeFiles: [],
    envFiles: [],
    env: {},
    services: specs,
    notify: {},
    profiles: {},
    target: 'compose',
  };
}
