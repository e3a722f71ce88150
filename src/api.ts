/**
 * The programmatic API: the CLI's guarantees from code, e.g. a vitest globalSetup.
 *
 *   import { up } from '@fmoua/stack';
 *   await using stack = await up({ profile: 'ci' });   // or: const stack = await up(); … await stack.down();
 *   process.env.DATABASE_URL = stack.env.DATABASE_URL;
 *
 * Nothing here prints: pass `onEvent` to see progress. Failures throw the same typed errors as the CLI
 * (GateFailedError with its reports, EngineUnreachableError, ConfigError…).
 */
import { connectionEnv } from './connect/connection-env.js';
import { resolveServices } from './connect/resolve-services.js';
import { loadStack, missingSecrets } from './config/loader.js';
import { withProfile } from './config/profiles.js';
import type { StackSpec, StackTarget } from './config/types.js';
import { systemClock } from './core/clock.js';
import { UsageError } from './core/errors.js';
import type { StackEvent, Strategy } from './core/events.js';
import { down as downEngine } from './engine/down.js';
import { status as statusEngine, type StackStatus } from './engine/status.js';
import { up as upEngine, type UpResult } from './engine/up.js';
import { selectServices } from './graph/plan.js';
import { systemHost } from './preflight/host.js';
import { assertPreflight } from './preflight/preflight.js';
import type { Runtime } from './runtime/types.js';
import { runtimeFor } from './session/runtime.js';
import { acquire, stopSupervisors, type SessionDeps } from './session/acquire.js';
import { Journal } from './state/journal.js';
import { statePaths } from './state/paths.js';
import { readReadyTimes, recordReadyTimes } from './state/ready-times.js';

export interface StackOptions {
  /** The stack file (default stack.yaml in `cwd`). */
  file?: string;
  cwd?: string;
  /** The environment for secrets, DOCKER_HOST and compose variables (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Extra compose files after the stack file's (as --compose-file). */
  composeFiles?: string[];
  /** Overrides the compose project name (e.g. one per test worker). */
  projectName?: string;
  /** Where the containers run: `compose` (this engine) or `swarm` (overrides stack.yaml's `target`). */
  target?: StackTarget;
  /** Called with every engine event (progress, probe failures, failure reports). */
  onEvent?: (event: StackEvent) => void;
}

export interface UpOptions extends StackOptions {
  services?: string[];
  profile?: string;
  strategy?: Strategy;
  waitTimeoutMs?: number;
  /** Container starts in flight at once (default 4); the longest chain of dependents below goes first. */
  startSlots?: number;
  /** Run jobs (kind: job) again even when they completed with their current definition. */
  rerunJobs?: boolean;
  /** Leave containers and processes of services no longer defined (orphans) as they are; by default they are removed first. */
  keepOrphans?: boolean;
  signal?: AbortSignal;
  /** Put passwords and API keys into `env` (left out otherwise). */
  showSecrets?: boolean;
}

export interface StackHandle extends AsyncDisposable {
  spec: StackSpec;
  result: UpResult;
  /** Connection settings of the services brought up: REDIS_URL, DATABASE_URL, QDRANT_URL, … with real host ports. */
  env: Record<string, string>;
  status(): Promise<StackStatus>;
  /** Brings the whole stack down (volumes only when asked). */
  down(options?: { volumes?: boolean }): Promise<void>;
}

function context(o: StackOptions) {
  const env = o.env ?? process.env;
  const { spec, warnings } = loadStack(o.file ?? 'stack.yaml', {
    env,
    cwd: o.cwd ?? process.cwd(),
    extraComposeFiles: o.composeFiles ?? [],
    ...(o.projectName ? { projectName: o.projectName } : {}),
    ...(o.target ? { target: o.target } : {}),
  });
  const paths = statePaths(spec.dir, spec.name, spec.env);
  const runtime = runtimeFor(spec, paths);
  const journal = new Journal(paths.journal);
  const emit = (e: StackEvent) => {
    journal.append(e);
    o.onEvent?.(e);
  };
  const session: SessionDeps = { paths, clock: systemClock };
  return { spec, warnings, runtime, session, emit };
}

export async function up(options: UpOptions = {}): Promise<StackHandle> {
  const { spec, warnings, runtime, session, emit } = context(options);
  const missing = missingSecrets(warnings);
  if (missing.length) throw new UsageError(missing.map((w) => `${w.path}: ${w.message}`).join('; '), 'Set the variables in the environment or the env file.');
  const services = withProfile(spec, options.services ?? [], options.profile);
  await runtime.ping(); // an unreachable engine fails before anything is locked or written
  // A taken port, a full disk, too little memory, an image nowhere: PreflightError (its `problems`) before anything starts.
  await assertPreflight({ spec, runtime, host: systemHost }, selectServices(spec.services, services).selected);
  // A supervised stack is joined: the up below then only confirms it (it restarts nothing healthy).
  const { lock } = await acquire(session, 'stack api up', 'up', { join: true, ...(options.signal ? { signal: options.signal } : {}) });
  let result: UpResult;
  const expectedReadyMs = readReadyTimes(session.paths);
  try {
    result = await upEngine(
      { spec, runtime, clock: session.clock, emit },
      {
        services,
        ...(options.strategy ? { strategy: options.strategy } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.waitTimeoutMs === undefined ? {} : { waitTimeoutMs: options.waitTimeoutMs }),
        ...(options.startSlots === undefined ? {} : { startSlots: options.startSlots }),
        ...(options.rerunJobs ? { rerunJobs: true } : {}),
        ...(options.keepOrphans ? { keepOrphans: true } : {}),
        expectedReadyMs,
      },
    );
    recordReadyTimes(session.paths, result.outcome, expectedReadyMs);
  } finally {
    await lock?.release();
  }
  const { resolved } = await resolveServices(spec, runtime, Object.keys(result.outcome));
  const env = Object.fromEntries(connectionEnv(resolved, spec.env, options.showSecrets ?? false).map((v) => [v.name, v.value]));
  let downed = false;
  const handle: StackHandle = {
    spec,
    result,
    env,
    status: () => statusEngine({ spec, runtime, clock: session.clock }),
    down: async (o = {}) => {
      if (downed) return;
      downed = true;
      await downStack(spec, runtime, session, emit, o.volumes ?? false);
    },
    [Symbol.asyncDispose]: () => handle.down(),
  };
  return handle;
}

export async function down(options: StackOptions & { volumes?: boolean } = {}): Promise<void> {
  const { spec, runtime, session, emit } = context(options);
  await downStack(spec, runtime, session, emit, options.volumes ?? false);
}

async function downStack(spec: StackSpec, runtime: Runtime, session: SessionDeps, emit: (e: StackEvent) => void, volumes: boolean): Promise<void> {
  await runtime.ping();
  // A supervisor would heal what we stop: it is stopped first, as `stack down` does.
  await stopSupervisors(session);
  const { lock } = await acquire(session, 'stack api down', 'down', { join: false, limitMs: 30_000 });
  try {
    await downEngine({ spec, runtime, clock: session.clock, emit }, { volumes });
  } finally {
    await lock?.release();
  }
}

export async function status(options: StackOptions = {}): Promise<StackStatus> {
  const { spec, runtime } = context(options);
  return statusEngine({ spec, runtime, clock: systemClock });
}
