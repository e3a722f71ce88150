/**
 * What the engine tells the world. The engine emits these and nothing else; renderers (report/) turn
 * them into a live view, plain lines or JSON. Nothing in engine/ writes to stdout.
 */

/** What the supervisor reacts to: a crash or kill, a stop by hand, a liveness probe failing. */
export type HealTrigger = 'exit' | 'stopped' | 'unhealthy';

/** A container's state as the engine reports it. */
export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** One probe attempt's outcome, as shown in `status --json` and in failure reports. */
export interface ProbeResult {
  ok: boolean;
  latencyMs: number;
  /** Why it failed, in words a user can act on. */
  error?: string;
  /** What a success saw (e.g. "PONG, SET/GET ok"). */
  detail?: string;
  /** ISO time the attempt started. */
  at: string;
}

export type Strategy = 'eager' | 'waves';

/** What creating did to one service: which path made it, and whether it was created, kept or recreated. */
export interface CreateReport {
  service: string;
  via: 'api' | 'compose' | 'process' | 'swarm';
  action: 'created' | 'kept' | 'recreated';
  /** Why compose made it (what the fast path does not translate), or why it was recreated. */
  reason?: string;
}

export type ServiceState =
  | 'pending' // waiting for its dependencies
  | 'starting' // start requested
  | 'probing' // running, gate not passed yet
  | 'healthy' // gate passed (or running with no probe)
  | 'completed' // exited 0, for one-shot services
  | 'failed'
  | 'skipped' // not started because a dependency (or the previous wave) failed
  | 'cancelled'; // interrupted

export interface FailureReport {
  service: string;
  /** One sentence: why the gate failed. */
  reason: string;
  kind: 'deadline' | 'exited' | 'start-error' | 'completed-nonzero';
  elapsedMs: number;
  deadlineMs: number;
  /** The last probe attempts, oldest first. */
  probes: ProbeResult[];
  container?: { state: ContainerState | 'absent'; exitCode: number; oomKilled: boolean; restartCount: number };
  /** `process` for a host process (its `container` fields describe the process; exit code -1: unknown). */
  runsAs?: 'process';
  logs: string[];
  /** Selected services that were not started because of this failure. */
  notStarted: string[];
}

export type StackEvent =
  | { type: 'plan'; at: number; strategy: Strategy; waves: string[][]; services: string[] }
  | { type: 'create'; at: number; phase: 'begin' | 'end'; services: string[]; reports?: CreateReport[] }
  | { type: 'service'; at: number; service: string; state: ServiceState; detail?: string; sinceStartMs?: number }
  | { type: 'probe'; at: number; service: string; attempt: number; result: ProbeResult }
  | { type: 'failure'; at: number; report: FailureReport }
  | { type: 'stop'; at: number; service: string; phase: 'begin' | 'end' }
  | { type: 'removed'; at: number; volumes: boolean }
  /** A service the stack no longer defines that still had a container or process: removed by `up`, or kept (--keep-orphans). */
  | { type: 'orphan'; at: number; service: string; action: 'removed' | 'kept' }
  | { type: 'done'; at: number; ok: boolean; durationMs: number; outcome: Record<string, ServiceOutcome>; error?: ErrorSummary }
  | SupervisorEvent;

/** What the supervisor noticed and did; each is one line of the journal. */
export type SupervisorEvent =
  | { type: 'supervisor'; at: number; phase: 'started' | 'stopped'; pid: number; services: string[] }
  | { type: 'detected'; at: number; service: string; trigger: HealTrigger; reason: string; healed: boolean }
  | { type: 'liveness'; at: number; service: string; result: ProbeResult; failures: number; threshold: number }
  | { type: 'backoff'; at: number; service: string; attempt: number; delayMs: number; nextAt: number }
  | { type: 'restart'; at: number; service: string; attempt: number; why: 'heal' | 'manual' | 'dependency' }
  | { type: 'recovered'; at: number; service: string; downMs: number; attempt: number }
  | { type: 'restart-failed'; at: number; service: string; reason: string }
  | { type: 'breaker'; at: number; service: string; open: boolean; restartsInWindow: number; reason: string }
  | { type: 'degraded'; at: number; service: string; degraded: boolean; because: string }
  | { type: 'engine'; at: number; connected: boolean; detail?: string }
  | { type: 'config'; at: number; detail: string }
  | { type: 'notify-failed'; at: number; event: string; service: string; error: string };

export interface ErrorSummary {
  code: string;
  message: string;
  hint?: string;
}

export interface ServiceOutcome {
  state: ServiceState;
  /** From the start request (or from the beginning of `up`, when already running) to healthy. */
  readyMs?: number;
  /** True when it was already running and healthy, so `up` did not touch it. */
  unchanged?: boolean;
}

export type Emit = (event: StackEvent) => void;
