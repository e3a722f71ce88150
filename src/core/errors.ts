/**
 * The few error classes `stack` throws on purpose. Each has a stable `code`; the CLI maps codes to exit
 * codes in one place (cli/exit-codes.ts) and prints `message` (+ `hint`) without a stack trace.
 * Anything else that escapes is a bug and is printed as one.
 */
import type { ConfigProblem } from './problems.js';
import type { FailureReport } from './events.js';

export type StackErrorCode = 'CONFIG_INVALID' | 'USAGE' | 'ENGINE_UNREACHABLE' | 'START_FAILED' | 'GATE_FAILED' | 'DEPENDENCY_FAILED' | 'INTERRUPTED' | 'BUSY';

export class StackError extends Error {
  constructor(
    readonly code: StackErrorCode,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StackError';
  }
}

export class ConfigError extends StackError {
  constructor(
    readonly problems: ConfigProblem[],
    readonly warnings: ConfigProblem[] = [],
  ) {
    super('CONFIG_INVALID', `${problems.length} problem${problems.length === 1 ? '' : 's'} in the stack configuration`);
    this.name = 'ConfigError';
  }
}

/** What the machine cannot give the services to start (pre-flight): each problem with where the fix goes. */
export interface MachineProblem {
  key: string;
  message: string;
  fix: string;
}

export class PreflightError extends StackError {
  constructor(readonly problems: MachineProblem[]) {
    super(
      'USAGE',
      `${problems.length} pre-flight problem${problems.length === 1 ? '' : 's'}: nothing was started`,
      '`stack doctor` checks again without starting anything; STACK_PREFLIGHT=0 skips the checks.',
    );
    this.name = 'PreflightError';
  }
}

export class UsageError extends StackError {
  constructor(message: string, hint?: string) {
    super('USAGE', message, hint);
    this.name = 'UsageError';
  }
}

export class EngineUnreachableError extends StackError {
  constructor(endpoint: string, cause?: unknown) {
    super(
      'ENGINE_UNREACHABLE',
      `Docker is not reachable at ${endpoint}`,
      'Start the Docker engine (Docker Desktop, `sudo systemctl start docker`, or `bash scripts/provision-docker.sh` on Debian) or set DOCKER_HOST to where it listens.',
      { cause },
    );
    this.name = 'EngineUnreachableError';
  }
}

/** Compose or the engine refused to create or start something (port taken, image missing, …). */
export class StartFailedError extends StackError {
  constructor(
    message: string,
    hint: string | undefined,
    readonly reports: FailureReport[] = [],
    cause?: unknown,
  ) {
    super('START_FAILED', message, hint, { cause });
    this.name = 'StartFailedError';
  }
}

/** At least one selected service did not pass its gate (deadline, exit, probe error). */
export class GateFailedError extends StackError {
  constructor(
    message: string,
    readonly reports: FailureReport[],
  ) {
    super('GATE_FAILED', message, 'Read the report above: the last probe results, the container state and its last log lines say why.');
    this.name = 'GateFailedError';
  }
}

/** The services asked for were not started because one of their dependencies failed. */
export class DependencyFailedError extends StackError {
  constructor(
    message: string,
    readonly reports: FailureReport[],
  ) {
    super('DEPENDENCY_FAILED', message, 'Fix the failed dependency named above, then run `stack up` again.');
    this.name = 'DependencyFailedError';
  }
}

export class InterruptedError extends StackError {
  constructor(message: string) {
    super('INTERRUPTED', message, 'Run `stack up` to continue or `stack down` to remove what was started.');
    this.name = 'InterruptedError';
  }
}

/** Another `up`, supervisor, `down` or `restart` holds this stack's lock and did not let go. */
export class BusyError extends StackError {
  constructor(message: string) {
    super('BUSY', message, 'Wait for it to finish, or stop it (`stack down` stops a supervisor), then try again.');
    this.name = 'BusyError';
  }
}
