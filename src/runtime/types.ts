/** What the engine needs from Docker, as one narrow interface; tests pass a fake. */
import type { Endpoint } from '../probes/types.js';

import type { ContainerState, CreateReport } from '../core/events.js';

export type { ContainerState, CreateReport };

export interface PortBinding {
  containerPort: number;
  protocol: string;
  hostIp: string;
  hostPort: number;
}

export interface ContainerInfo {
  id: string;
  name: string;
  /** The compose service name. */
  service: string;
  state: ContainerState;
  exitCode: number;
  oomKilled: boolean;
  /** The container's own HEALTHCHECK status, when it has one. */
  health?: string;
  restartCount: number;
  startedAt?: string;
  ports: PortBinding[];
  /** What the engine says went wrong, in its words, when it says more than an exit code (a swarm task's error). */
  error?: string;
}

/** A container event from the engine's event stream, for the supervisor. */
export interface RuntimeEvent {
  /** The compose service of the container. */
  service: string;
  containerId: string;
  action: 'die' | 'kill' | 'stop' | 'start' | 'oom' | 'pause' | 'unpause' | 'destroy' | 'health_status' | 'other';
  exitCode?: number;
  /** For kill: the signal number or name sent. */
  signal?: string;
  /** Nanoseconds since the epoch, from the engine. */
  timeNano: bigint;
}

/** What a service will need from the machine when it starts (for the pre-flight checks). */
export interface ServiceNeeds {
  service: string;
  /** Running now: what it holds is its own, nothing to check. */
  running: boolean;
  /** Host ports it publishes (or, a process, listens on) at a fixed number; random ones need nothing. */
  hostPorts: { ip: string; port: number; protocol: string }[];
  /** Its memory limit, when it has one. */
  memoryBytes?: number;
  /** Its image, when that is not on the engine and nothing builds it (it must be pulled). */
  missingImage?: string;
  /** Keys it uses that need a given engine or compose version (preflight/checks FEATURES). */
  features?: string[];
  /** What this runtime finds wrong with it, with the fix (swarm: keys swarm cannot honour). */
  problems?: { severity: 'error' | 'warning'; key: string; message: string; fix: string }[];
}

/** What the engine has to give. */
export interface EngineFacts {
  /** The engine's data root, when it is on this machine (a local socket). */
  localDataRoot?: string;
  memTotalBytes?: number;
  /** The engine's version and API version (e.g. 20.10.24, 1.41). */
  version?: string;
  apiVersion?: string;
  /** The compose implementation that reads the files. */
  compose?: { flavor: 'v1' | 'v2'; version: string };
}

/** A container replaced by one of its current definition; the previous one waits aside, stopped, for one of these. */
export interface Replacement {
  /** What changed (variables by name only). */
  reason: string;
  /** Whether `rollback` can bring the previous one back (not for what compose made, nor for a host process). */
  canRollBack: boolean;
  /** The new one passed its gate: the previous one is removed. */
  commit(): Promise<void>;
  /** The new one failed: it is removed and the previous one put back (and started again if it was running). */
  rollback(): Promise<void>;
}

export interface CreateOptions {
  /** With `onlyThese`, every other service is left alone (compose's `--no-deps`), e.g. to recreate one removed container. */
  onlyThese?: boolean;
  /** Called for each service the moment its container exists, so it can start while others are still being created. */
  onCreated?: (composeService: string) => void;
}

export interface Runtime {
  /** Throws EngineUnreachableError when the engine does not answer. */
  ping(): Promise<void>;
  /**
   * Creates networks, volumes and containers for these compose services without starting them: an existing
   * container is kept when its definition is unchanged and recreated when it changed.
   */
  create(composeServices: readonly string[], options?: CreateOptions): Promise<CreateReport[]>;
  /**
   * What `create` would report for these services, touching nothing: created, kept, or recreated and why
   * (compose may be asked for its model, which is cached as `create` would cache it).
   */
  preview(composeServices: readonly string[]): Promise<CreateReport[]>;
  /** Services the project still has a container (or process record) for that the stack no longer defines. */
  orphans(): Promise<string[]>;
  /** Stops and removes an orphan's container (its volumes stay) or process. */
  removeOrphan(service: string, timeoutSeconds: number): Promise<void>;
  /**
   * Stops the service's container (its stop grace period), keeps it aside and creates one of the current
   * definition in its place, not started.
   */
  replace(composeService: string): Promise<Replacement>;
  /** What these services will need from the machine when they start (ports, memory, images). */
  needs(composeServices: readonly string[]): Promise<ServiceNeeds[]>;
  engineFacts(): Promise<EngineFacts>;
  inspect(composeService: string): Promise<ContainerInfo | undefined>;
  /** Every container of the project by compose service, from one list call (inspected in parallel). */
  inspectAll(): Promise<Map<string, ContainerInfo>>;
  start(composeService: string): Promise<void>;
  stop(composeService: string, timeoutSeconds: number): Promise<void>;
  /** Removes the project's containers and networks; volumes only when asked. */
  down(options: { volumes: boolean }): Promise<void>;
  logs(composeService: string, tail: number): Promise<string[]>;
  /** The lines the service's current run has written since it started (for the log probe). */
  output(composeService: string): Promise<string[]>;
  exec(composeService: string, command: string[], signal: AbortSignal): Promise<{ exitCode: number; output: string }>;
  endpoint(composeService: string, containerPort: number): Promise<Endpoint>;
  /** The engine's container events for this project until `signal` aborts; ends or throws when the engine goes away. */
  events(signal: AbortSignal): AsyncIterable<RuntimeEvent>;
  unpause(composeService: string): Promise<void>;
  /**
   * Only on a runtime whose engine keeps services running itself (swarm): restarts it in place, its own way
   * (a forced update, or nothing while the engine is already replacing a failed task), returning once the old
   * run is gone. Without it a restart is stop + start. Having it also says the engine restarts crashed
   * services by itself: when a breaker opens, the supervisor stops the service so the engine stops too.
   */
  restart?(composeService: string, timeoutSeconds: number): Promise<void>;
  /**
   * Only on a runtime whose engine converges on its own (swarm): undefined when every replica runs, else what it
   * still waits for, in words. The gate passes only when this and the service's probe both say so.
   */
  converged?(composeService: string): Promise<string | undefined>;
  /** Writes the container's logs (demultiplexed) to `out`; with follow, until `signal` aborts or the container ends. */
  streamLogs(composeService: string, options: { tail: number; follow: boolean }, out: NodeJS.WritableStream, signal: AbortSignal): Promise<void>;
}
