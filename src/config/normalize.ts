/** Applies defaults to a schema-valid stack file and returns the typed StackSpec (pure). */
import { parseDuration } from './duration.js';
import type { RawHeal, RawProbe, StackFile } from './schema.js';
import { resolve } from 'node:path';
import type { Condition, DependencySpec, HealPolicy, ProbeSpec, ProbeTiming, ServiceSpec } from './types.js';

export const DEFAULTS = {
  startupTimeoutMs: 60_000,
  heal: {
    on: ['exit', 'stopped', 'unhealthy'],
    backoff: { initialMs: 1_000, factor: 2, maxMs: 60_000, jitter: 0.2 },
    resetAfterMs: 300_000,
    maxRestarts: 5,
    windowMs: 600_000,
    restartDependents: false,
    stopTimeoutMs: 5_000,
  } satisfies Omit<HealPolicy, 'liveness'>,
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

/** `dir`: the directory of stack.yaml, which process paths are relative to. */
export function normalizeServices(file: StackFile, dir: string): Record<string, ServiceSpec> {
  const baseTiming = timing(file.defaults?.probe ?? {}, DEFAULTS.timing);
  const baseStartup = ms(file.defaults?.startup_timeout, DEFAULTS.startupTimeoutMs);
  const hasProbe = (name: string) => file.services[name]?.probe !== undefined;
  // A dependency waits for a job to complete; for `healthy` when the target has a probe to prove it, else for `started`.
  const defaultCondition = (name: string): Condition => (file.services[name]?.kind === 'job' ? 'completed' : hasProbe(name) ? 'healthy' : 'started');

  const services: Record<string, ServiceSpec> = {};
  for (const [name, raw] of Object.entries(file.services)) {
    const dependsOn: DependencySpec[] = (raw.depends_on ?? []).map((d) =>
      typeof d === 'string'
        ? { service: d, condition: defaultCondition(d) }
        : { service: d.service, condition: d.condition ?? defaultCondition(d.service), ...(d.restart ? { restart: true } : {}) },
    );
    const probeSpec = raw.probe ? probe(raw.probe, baseTiming) : undefined;
    const job = raw.kind === 'job';
    services[name] = {
      name,
      composeService: raw.command === undefined ? (raw.compose_service ?? name) : name,
      kind: raw.command === undefined ? 'container' : 'process',
      job,
      ...(raw.command === undefined
        ? {}
        : {
            process: {
              command: raw.command,
              cwd: resolve(dir, raw.cwd ?? '.'),
              env: raw.env ?? {},
              envFiles: (raw.env_file === undefined ? [] : Array.isArray(raw.env_file) ? raw.env_file : [raw.env_file]).map((f) => resolve(dir, f)),
              ports: raw.ports ?? [],
            },
          }),
      dependsOn,
      ...(probeSpec ? { probe: probeSpec } : {}),
      startupTimeoutMs: ms(raw.startup_timeout, baseStartup),
      heal: raw.heal === false || job ? null : heal(file.defaults?.heal, raw.heal, probeSpec?.timing ?? baseTiming),
      exports: raw.exports ?? {},
    };
  }
  return services;
}

/** Service heal settings over stack-wide ones over built-in defaults, key by key. */
function heal(stack: RawHeal | undefined, own: RawHeal | undefined, timing: ProbeTiming): HealPolicy {
  const pick = <K extends keyof RawHeal>(k: K): RawHeal[K] | undefined => own?.[k] ?? stack?.[k];
  const backoff = { ...stack?.backoff, ...own?.backoff };
  const liveness = { ...stack?.liveness, ...own?.liveness };
  const d = DEFAULTS.heal;
  return {
    on: pick('on') ?? [...d.on],
    backoff: {
      initialMs: ms(backoff.initial, d.backoff.initialMs),
      factor: backoff.factor ?? d.backoff.factor,
      maxMs: ms(backoff.max, d.backoff.maxMs),
      jitter: backoff.jitter ?? d.backoff.jitter,
    },
    resetAfterMs: ms(pick('reset_after'), d.resetAfterMs),
    maxRestarts: pick('max_restarts') ?? d.maxRestarts,
    windowMs: ms(pick('window'), d.windowMs),
    restartDependents: pick('restart_dependents') ?? d.restartDependents,
    stopTimeoutMs: ms(pick('stop_timeout'), d.stopTimeoutMs),
    liveness: {
      intervalMs: ms(liveness.interval, timing.intervalMs),
      timeoutMs: ms(liveness.timeout, timing.timeoutMs),
      failureThreshold: liveness.failure_threshold ?? timing.failureThreshold,
    },
  };
}
