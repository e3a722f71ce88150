import type { ProbeOf, ProbeSpec, ProbeType } from '../config/types.js';
import type { ProbeResult } from '../core/events.js';

export type { ProbeResult };

export interface Endpoint {
  host: string;
  port: number;
}

/**
 * What a probe may touch, passed in by the engine: the published endpoint of a container port, exec in the
 * container, the container's own health status. Probes never look anything up themselves.
 */
export interface ProbeContext {
  signal: AbortSignal;
  timeoutMs: number;
  /** Environment holding secrets referenced by *_env keys. */
  env: Readonly<Record<string, string>>;
  endpoint(containerPort: number, host?: string): Promise<Endpoint>;
  exec(command: string[], signal: AbortSignal): Promise<{ exitCode: number; output: string }>;
  healthStatus(): Promise<string | undefined>;
  /** The lines the service's current run has written (stdout and stderr). */
  output(): Promise<string[]>;
}

/** A probe attempt: resolves with a short detail on success, throws an Error saying why on failure. */
export type ProbeFn<T extends ProbeType> = (probe: ProbeOf<T>, ctx: ProbeContext) => Promise<string | void>;

export type ProbeRegistry = { [T in ProbeType]: ProbeFn<T> };

export type { ProbeSpec };
