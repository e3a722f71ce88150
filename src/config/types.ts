/** The typed, defaulted stack the rest of `stack` works with. Durations are milliseconds. */
import type { RawProbe } from './schema.js';

export type Condition = 'healthy' | 'started' | 'completed';

export interface DependencySpec {
  service: string;
  condition: Condition;
  /** When `up` recreates (replaces) the dependency, this service is restarted after it passed its gate. */
  restart?: boolean;
}

export interface ProbeTiming {
  intervalMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

// Distributive, so each probe type keeps its own keys.
type WithoutTiming<T> = T extends unknown ? Omit<T, 'interval' | 'timeout' | 'success_threshold' | 'failure_threshold'> : never;
export type ProbeSpec = WithoutTiming<RawProbe> extends infer P ? (P extends unknown ? P & { timing: ProbeTiming } : never) : never;
export type ProbeType = ProbeSpec['type'];
export type ProbeOf<T extends ProbeType> = Extract<ProbeSpec, { type: T }>;

import type { HealTrigger } from '../core/events.js';

export type { HealTrigger };

export interface HealPolicy {
  on: HealTrigger[];
  backoff: { initialMs: number; factor: number; maxMs: number; jitter: number };
  resetAfterMs: number;
  maxRestarts: number;
  windowMs: number;
  restartDependents: boolean;
  stopTimeoutMs: number;
  /** Liveness probing of a running service (interval, timeout, consecutive failures before unhealthy). */
  liveness: Pick<ProbeTiming, 'intervalMs' | 'timeoutMs' | 'failureThreshold'>;
}

/** A service that runs on the host (`command:` in stack.yaml) instead of in a compose container. */
export interface ProcessSpec {
  /** A string runs through the platform shell; a list runs as the program and its arguments. */
  command: string | string[];
  /** Absolute. */
  cwd: string;
  /**
   * The process's own variables as written (`${VAR}`, `${VAR:-default}` unresolved): resolved against the
   * stack's environment only when the process starts, so a secret never sits in the spec.
   */
  env: Record<string, string>;
  /** Absolute env file paths, read when the process starts (under `env`, over the stack's environment). */
  envFiles: string[];
  ports: number[];
}

export interface ServiceSpec {
  name: string;
  /** The compose service it runs as; for a host process, its own name (the key the runtime knows it by). */
  composeService: string;
  /** `process`: runs on the host (see ProcessSpec). */
  kind: 'container' | 'process';
  /** Runs to completion: dependents wait for exit 0; not run again while its definition is unchanged. */
  job: boolean;
  process?: ProcessSpec;
  dependsOn: DependencySpec[];
  probe?: ProbeSpec;
  startupTimeoutMs: number;
  /** null: the supervisor never heals this service. */
  heal: HealPolicy | null;
  /** Connection-setting templates for `stack env`; empty: the probe type's defaults. */
  exports: Record<string, string>;
}

export interface StackSpec {
  /** Absolute path of stack.yaml. */
  file: string;
  /** sha256 of the stack.yaml text this spec was loaded from: whether a supervisor runs the same file. */
  digest: string;
  /** Directory of stack.yaml; compose paths are relative to it. */
  dir: string;
  name: string;
  /** Absolute compose file paths, in order (later files override earlier ones). */
  composeFiles: string[];
  /** Absolute env file paths that were found and read. */
  envFiles: string[];
  /** Environment for probes and compose: env files overlaid by the process environment. Holds secrets: never print. */
  env: Record<string, string>;
  services: Record<string, ServiceSpec>;
  notify: { webhookUrl?: string; webhookUrlEnv?: string };
  /** HOST:PORT where the supervisor serves /metrics, if set. */
  metricsAddr?: string;
  /** Named service sets for --profile. */
  profiles: Record<string, string[]>;
  /** Where the containers run: this engine through compose's model, or services on a Docker Swarm. */
  target: StackTarget;
}

export type StackTarget = 'compose' | 'swarm';
export const TARGETS: readonly StackTarget[] = ['compose', 'swarm'];
