/**
 * Supervision as a session runs it, in the foreground (`up --watch`) or in the detached child behind
 * `up --detach`: first the endpoints are bound (a taken port fails at once, before anything starts), then
 * the caller brings the stack up through `emit`, then `run` supervises until the signal aborts. While it
 * runs it reloads a changed stack.yaml, and it stops cleanly when its state directory is deleted under it
 * (the services are left running; `stack up --detach` adopts them again).
 */
import { existsSync } from 'node:fs';
import { fileDigest } from '../config/read-file.js';
import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import type { Emit } from '../core/events.js';
import type { StackSpec } from '../config/types.js';
import { defaultProbeRunner } from '../engine/gate.js';
import type { UpResult } from '../engine/up.js';
import { selectServices } from '../graph/plan.js';
import { Supervisor } from '../healing/supervisor.js';
import { webhookNotifier } from '../notify/webhook.js';
import { StackMetrics } from '../report/metrics.js';
import type { Runtime } from '../runtime/types.js';
import { readOwner, type HeldLock } from '../state/lock.js';
import type { StatePaths } from '../state/paths.js';
import { ensureToken } from '../state/token.js';
import { startControlServer, startMetricsServer, type ControlTarget, type Listener } from './endpoints.js';

export interface SupervisionDeps {
  spec: StackSpec;
  runtime: Runtime;
  paths: StatePaths;
  clock: Clock;
  /** Journal and renderer. */
  emit: Emit;
  /** STACK_METRICS_ADDR over stack.yaml's supervisor.metrics. */
  metricsAddr?: string;
  /** Loads stack.yaml again (throws ConfigError when the edit is invalid). */
  reload(): StackSpec;
  /** How often stack.yaml and the state directory are looked at. */
  watchMs?: number;
}

export interface Supervision {
  /** Every event of the `up` before supervision and of the supervisor itself: journal, renderer and metrics. */
  emit: Emit;
  run(signal: AbortSignal, upResult?: UpResult): Promise<void>;
  close(): Promise<void>;
}

export function webhookUrl(spec: StackSpec): string | undefined {
  return spec.notify.webhookUrl ?? (spec.notify.webhookUrlEnv ? spec.env[spec.notify.webhookUrlEnv] : undefined);
}

export async function openSupervision(deps: SupervisionDeps, lock: HeldLock, services: readonly string[]): Promise<Supervision> {
  const { clock, paths } = deps;
  const token = ensureToken(paths);
  const { selected } = selectServices(deps.spec.services, services);
  const metrics = new StackMetrics(deps.spec.name, selected);
  const emit: Emit = (e) => {
    metrics.onEvent(e);
    deps.emit(e);
  };
  let supervisor: Supervisor | undefined;
  // The stack.yaml the supervisor runs: `status` takes the supervisor's word only for that very file.
  let running = deps.spec;
  const listeners: Listener[] = [];
  const close = async () => {
    await Promise.all(listeners.map((l) => l.close()));
    listeners.length = 0;
  };
  try {
    const target = (s: Supervisor): ControlTarget => ({
      snapshot: () => s.snapshot(),
      restart: (names, withDependents) => s.restart(names, withDependents),
      status: async () => ({ specDigest: running.digest, status: await s.status() }),
    });
    listeners.push(await startControlServer({ token: () => token, target: () => supervisor && target(supervisor), metrics: () => metrics.registry.metrics() }));
    if (deps.metricsAddr)
      listeners.push(
        await startMetricsServer(
          deps.metricsAddr,
          () => token,
          () => metrics.registry.metrics(),
        ),
      );
  } catch (err) {
    await close();
    throw err;
  }
  const controlPort = listeners[0]!.port;

  return {
    emit,
    close,
    async run(signal, upResult) {
      if (upResult) metrics.seedReady(upResult.outcome);
      const url = webhookUrl(deps.spec);
      supervisor = new Supervisor(
        {
          spec: deps.spec,
          runtime: deps.runtime,
          clock,
          emit,
          probeRunner: defaultProbeRunner,
          ...(url ? { notify: webhookNotifier({ url, stack: deps.spec.name, emit, clock }) } : {}),
        },
        selected,
      );
      lock.update({ phase: 'supervising', controlPort, metrics: deps.metricsAddr ?? `127.0.0.1:${controlPort}` });
      const stop = new AbortController();
      const both = AbortSignal.any([signal, stop.signal]);
      const watching = watchFiles(deps, lock.owner.pid, both, {
        changed: (spec) => {
          supervisor?.reload(spec);
          running = spec;
        },
        stateGone: () => stop.abort(),
      });
      try {
        await supervisor.run(both);
      } finally {
        stop.abort();
        await watching;
      }
    },
  };
}

/** Looks at stack.yaml and the state directory every `watchMs` until `signal` aborts. */
async function watchFiles(
  deps: SupervisionDeps,
  ownPid: number,
  signal: AbortSignal,
  on: { changed(spec: StackSpec): void; stateGone(): void },
): Promise<void> {
  const { clock, paths, emit } = deps;
  let last = deps.spec.digest; // the text it was started with, not a second read that could differ
  for (;;) {
    try {
      await clock.sleep(deps.watchMs ?? 2_000, signal);
    } catch {
      return;
    }
    if (!existsSync(paths.dir) || readOwner(paths)?.pid !== ownPid) {
      emit({
        type: 'config',
        at: clock.now(),
        detail: `the state directory ${paths.dir} was removed or taken over; the supervisor stops (services left running; \`stack up --detach\` supervises them again)`,
      });
      on.stateGone();
      return;
    }
    const now = fileDigest(deps.spec.file);
    if (now === last || now === '') continue;
    last = now;
    try {
      on.changed(deps.reload());
    } catch (err) {
      const detail = err instanceof ConfigError ? `${err.problems.length} problem(s), first: ${err.problems[0]?.message}` : String(err);
      emit({ type: 'config', at: clock.now(), detail: `stack.yaml changed but is invalid (${detail}); keeping the previous policies` });
    }
  }
}
