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
import { up } from '../engine/up.js';
import type { UpResult } from '../engine/up.js';
import { selectServices } from '../graph/plan.js';
import { Supervisor } from '../healing/supervisor.js';
import { webhookNotifier } from '../notify/webhook.js';
import { StackMetrics } from '../report/metrics.js';
import type { Runtime } from '../runtime/types.js';
import { readOwner, type HeldLock } from '../state/lock.js';
import type { StatePaths } from '../state/paths.js';
import { ensureToken } from '../state/token.js';
import { runtimeFor } from './runtime.js';
import { edgesOf, serviceView } from '../report/dashboard/view.js';
import { DashboardHub, type DashboardState } from './dashboard.js';
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
  /** How often the stack's files and the state directory are looked at. */
  watchMs?: number;
  /** The runtime for an edited stack (default: session/runtime's). */
  runtimeFor?(spec: StackSpec): Runtime;
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
    hub.onEvent(e);
  };
  let supervisor: Supervisor | undefined;
  // The stack.yaml the supervisor runs: `status` takes the supervisor's word only for that very file.
  let running = deps.spec;
  let runningRuntime = deps.runtime;
  const view = async (s: Supervisor): Promise<DashboardState> => {
    const [status, health] = [await s.status(), new Map(s.snapshot().map((h) => [h.name, h]))];
    return {
      stack: running.name,
      services: status.services.filter((x) => x.name in running.services).map((x) => serviceView(running, x, health.get(x.name))),
      edges: edgesOf(running),
      at: new Date().toISOString(),
    };
  };
  const hub = new DashboardHub(async () => (supervisor ? view(supervisor) : undefined));
  const listeners: Listener[] = [];
  const close = async () => {
    hub.close();
    await Promise.all(listeners.map((l) => l.close()));
    listeners.length = 0;
  };
  try {
    const target = (s: Supervisor): ControlTarget => ({
      snapshot: () => s.snapshot(),
      restart: (names, withDependents) => s.restart(names, withDependents),
      status: async () => ({ specDigest: running.digest, status: await s.status() }),
      dashboard: () => view(s),
      followLogs: async (service, out, signal) => {
        const own = running.services[service];
        if (!own) throw new Error(`${service} is not a service of this stack`);
        await runningRuntime.streamLogs(own.composeService, { tail: 100, follow: true }, out, signal);
      },
    });
    listeners.push(
      await startControlServer({
        token: () => token,
        target: () => supervisor && target(supervisor),
        metrics: () => metrics.registry.metrics(),
        dashboard: { stack: deps.spec.name, hub },
      }),
    );
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
      lock.update({ phase: 'supervising', controlPort, metrics: deps.metricsAddr ?? `127.0.0.1:${controlPort}` });
      let spec = deps.spec;
      let runtime = deps.runtime;
      let names = selected;
      // What the files were when the running definitions were read: an edit made during a reconcile is still
      // a change for the next watch, not its starting point.
      let seen: string | undefined;
      const stop = new AbortController();
      for (;;) {
        const url = webhookUrl(spec);
        supervisor = new Supervisor(
          {
            spec,
            runtime,
            clock,
            emit,
            probeRunner: defaultProbeRunner,
            ...(url ? { notify: webhookNotifier({ url, stack: spec.name, emit, clock }) } : {}),
          },
          names,
        );
        const reloading = new AbortController();
        const both = AbortSignal.any([signal, stop.signal, reloading.signal]);
        let edited: StackSpec | undefined;
        const watching = watchFiles({ ...deps, spec }, lock.owner.pid, both, seen, {
          changed: (next, digest) => {
            seen = digest;
            edited = next;
            reloading.abort();
          },
          stateGone: () => stop.abort(),
        });
        try {
          await supervisor.run(both);
        } finally {
          reloading.abort();
          await watching;
        }
        if (!edited || signal.aborted || stop.signal.aborted) return;
        // Hot reload: healing pauses while the running stack is reconciled to the edit as `stack up` would
        // (only what changed, rolling and gated); then supervision goes on with the new definitions.
        const next: StackSpec = edited;
        names =
          services.length === 0
            ? Object.keys(next.services)
            : selectServices(
                next.services,
                services.filter((n) => n in next.services),
              ).selected;
        runtime = (deps.runtimeFor ?? ((s: StackSpec) => runtimeFor(s, paths)))(next);
        spec = next;
        running = next;
        runningRuntime = runtime;
        emit({ type: 'config', at: clock.now(), detail: 'the stack files changed: reconciling the running stack (as `stack up` would)' });
        try {
          await up({ spec: next, runtime, clock, emit }, { services: names, signal });
          emit({ type: 'config', at: clock.now(), detail: 'reconciled: the running stack matches the edited files' });
        } catch (err) {
          if (signal.aborted) return;
          emit({
            type: 'config',
            at: clock.now(),
            detail: `reconciling failed: ${(err as Error).message} (a replacement that failed its gate was rolled back); supervising what runs`,
          });
        }
      }
    },
  };
}

/** Every file the stack is made of: stack.yaml, the compose files, the env files (the stack's and its processes'). */
export function stackFiles(spec: StackSpec): string[] {
  const own = Object.values(spec.services).flatMap((s) => s.process?.envFiles ?? []);
  return [...new Set([spec.file, ...spec.composeFiles, ...spec.envFiles, ...own])];
}

const filesDigest = (files: readonly string[]) => files.map((f) => `${f}:${fileDigest(f)}`).join('\n');

/** After a change is seen, it must hold this long before it is applied (an editor writes in several steps). */
export const SETTLE_MS = 300;

/** Looks at the stack's files and the state directory every `watchMs` until `signal` aborts. */
async function watchFiles(
  deps: SupervisionDeps,
  ownPid: number,
  signal: AbortSignal,
  /** The files' digest the running definitions were read from (default: as they are now). */
  baseline: string | undefined,
  on: { changed(spec: StackSpec, digest: string): void; stateGone(): void },
): Promise<void> {
  const { clock, paths, emit } = deps;
  const files = stackFiles(deps.spec);
  let last = baseline ?? filesDigest(files);
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
    let now = filesDigest(files);
    if (now === last) continue;
    // Debounced: applied once the files stop changing.
    for (;;) {
      try {
        await clock.sleep(SETTLE_MS, signal);
      } catch {
        return;
      }
      const again = filesDigest(files);
      if (again === now) break;
      now = again;
    }
    last = now;
    try {
      on.changed(deps.reload(), now);
      return;
    } catch (err) {
      const detail =
        err instanceof ConfigError
          ? `${err.problems.length} problem(s), first: ${err.problems[0]?.path ? `${err.problems[0].path}: ` : ''}${err.problems[0]?.message}`
          : (err as Error).message;
      emit({ type: 'config', at: clock.now(), detail: `the stack files changed but are invalid (${detail}); the running stack is left as it is` });
    }
  }
}
