/** Applies defaults to a schema-valid stack file and returns the typed StackSpec (pure). */
import { parseDuration } from './duration.js';
import type { RawProbe, StackFile } from './schema.js';
import type { Condition, DependencySpec, ProbeSpec, ProbeTiming, ServiceSpec } from './types.js';

export const DEFAULTS = {
  startupTimeoutMs: 60_000,
  timing: { intervalMs: 250, timeoutMs: 2_000, successThreshold: 1, failureThreshold: 3 } satisfies ProbeTiming,
} as const;

// The schema already checked every duration, so a failed parse here is a bug.
const ms = (text: string | undefined, fallback: number): number => (text === undefined ? fallback : (parseDuration(text) ?? fallback));

type TimingFields = Partial<Record<'interval' | 'timeout', string> & Record<'success_threshold' | 'failure_threshold', number>>;

function timing(own: TimingFields, base: ProbeTiming): ProbeTiming {
  return {
    intervalMs: ms(own.interval, base.intervalMs),
    timeoutMs: ms(own.timeout, base.timeoutMs),
    successThreshold: own.success_threshold ?? base.successThreshold,
    failureThreshold: own.failure_threshold ?? base.failureThreshold,
  };
}

function probe(raw: RawProbe, base: ProbeTiming): ProbeSpec {
  const { interval, timeout, success_threshold, failure_threshold, ...rest } = raw;
  return { ...rest, timing: timing({ interval, timeout, success_threshold, failure_threshold }, base) } as ProbeSpec;
}

export function normalizeServices(file: StackFile): Record<string, ServiceSpec> {
  const baseTiming = timing(file.defaults?.probe ?? {}, DEFAULTS.timing);
  const baseStartup = ms(file.defaults?.startup_timeout, DEFAULTS.startupTimeoutMs);
  const hasProbe = (name: string) => file.services[name]?.probe !== undefined;
  // A dependency waits for `healthy` when the target has a probe to prove it, else for `started`.
  const defaultCondition = (name: string): Condition => (hasProbe(name) ? 'healthy' : 'started');

  const services: Record<string, ServiceSpec> = {};
  for (const [name, raw] of Object.entries(file.services)) {
    const dependsOn: DependencySpec[] = (raw.depends_on ?? []).map((d) =>
      typeof d === 'string'
        ? { service: d, condition: defaultCondition(d) }
        : { service: d.service, condition: d.condition ?? defaultCondition(d.service) },
    );
    services[name] = {
      name,
      composeService: raw.compose_service ?? name,
      dependsOn,
      ...(raw.probe ? { probe: probe(raw.probe, baseTiming) } : {}),
      startupTimeoutMs: ms(raw.startup_timeout, baseStartup),
    };
  }
  return services;
}
