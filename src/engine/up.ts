/**
 * `up`: plan, create everything with one runtime call (each service may start as soon as its own container
 * exists), then start each service the moment its own dependencies meet their condition (eager) or the whole
 * previous wave is healthy (waves) — a few starts at a time, the longest chain below first — and gate each
 * one on its probe. Emits events; throws a typed error when the selected services are not all healthy.
 */
import { setMaxListeners } from 'node:events';
import type { ServiceSpec, StackSpec } from '../config/types.js';
import { StartFailedError, UsageError } from '../core/errors.js';
import { chainBelow, dependentsOf, planWaves, selectServices, startOrder } from '../graph/plan.js';
import type { Replacement, Runtime } from '../runtime/types.js';
import type { Clock } from '../core/clock.js';
import type { Emit, FailureReport, ServiceOutcome, ServiceState, Strategy } from '../core/events.js';
import { createAll } from './creation.js';
import { StartSlots } from './start-slots.js';
import { deadlineOf, defaultProbeRunner, failureReport, gate, isGated, preloadRunner, probeContext, startupGap, type ProbeRunner } from './gate.js';
import { upError } from './up-error.js';

export interface UpDeps {
  spec: StackSpec;
  runtime: Runtime;
  clock: Clock;
  emit: Emit;
  probeRunner?: ProbeRunner;
}

export interface UpOptions {
  /** Services to bring up, with their dependencies; default all. */
  services?: readonly string[];
  strategy?: Strategy;
  signal?: AbortSignal;
  /** One deadline for the whole `up` (CI): every service must be healthy this long after `up` began. */
  waitTimeoutMs?: number;
  /**
   * How many container starts are in flight at once (default START_SLOTS). When more services are ready to
   * start, the one with the longest chain of dependents below it goes first (critical-path-first).
   */
  startSlots?: number;
  /**
   * Each service's start-to-ready time from an earlier `up` (state/ready-times): ranks by the time still to go
   * below a service rather than by how many services wait on it. Unknown services count as the median.
   */
  expectedReadyMs?: Readonly<Record<string, number>>;
  /** Run every selected job again, even one that already completed with its current definition. */
  rerunJobs?: boolean;
  /**
   * Leave orphans (containers or processes of services no longer defined) as they are. By default `up` stops
   * and removes them first, as `docker compose up --remove-orphans` does (their volumes stay).
   */
  keepOrphans?: boolean;
}

/** How long an orphan gets to stop before it is killed. */
const ORPHAN_STOP_SECONDS = 10;

/**
 * The engine serializes container starts (about 0.2 s each here): with every start in flight at once each one
 * finishes late. A few at a time, longest chain first, lets the services others wait for finish first.
 */
export const START_SLOTS = 4;

/** The services asked for and their dependencies; an unknown name is a UsageError listing the services there are. */
export function selectKnown(spec: StackSpec, services: readonly string[]): string[] {
  const { selected, unknown } = selectServices(spec.services, services);
  if (unknown.length > 0)
    throw new UsageError(
      `unknown service${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
      `Services in ${spec.file}: ${Object.keys(spec.services).join(', ')}`,
    );
  return selected;
}

/** Jobs, and any service a dependent waits on with condition: completed: they must run to exit 0. */
export function mustComplete(services: Readonly<Record<string, ServiceSpec>>, selected: readonly string[]): Set<string> {
  return new Set([
    ...selected.filter((n) => services[n]!.job),
    ...selected.flatMap((n) => services[n]!.dependsOn.filter((d) => d.condition === 'completed').map((d) => d.service)),
  ]);
}

export interface UpResult {
  durationMs: number;
  waves: string[][];
  outcome: Record<string, ServiceOutcome>;
}

class Flag {
  readonly promise: Promise<boolean>;
  private settle!: (v: boolean) => void;
  settled = false;
  constructor() {
    this.promise = new Promise((r) => (this.settle = r));
  }
  set(v: boolean) {
    if (this.settled) return;
    this.settled = true;
    this.settle(v);
  }
}

interface Track {
  started: Flag;
  healthy: Flag;
  completed: Flag;
  state: ServiceState;
  readyMs?: number;
  unchanged?: boolean;
  /** Its container runs (started now or found running), whatever its gate says. */
  running?: boolean;
  /** Replaced by a container of its changed definition, which passed its gate. */
  replaced?: boolean;
}

/** Weight of a service for ranking: its known time to ready (at least 1 ms), the median of the known ones when unknown. */
export function expectedWeight(known: Readonly<Record<string, number>>, selected: readonly string[]): (name: string) => number {
  const times = selected.flatMap((n) => (known[n] === undefined ? [] : [known[n]!])).sort((a, b) => a - b);
  if (times.length === 0) return () => 1;
  const typical = times[Math.floor(times.length / 2)]!;
  return (name) => Math.max(1, known[name] ?? typical);
}

export async function up(deps: UpDeps, options: UpOptions = {}): Promise<UpResult> {
  const { spec, runtime, clock, emit } = deps;
  const probeRunner = deps.probeRunner ?? defaultProbeRunner;
  const strategy = options.strategy ?? 'eager';
  const signal = options.signal ?? new AbortController().signal;
  const begin = clock.now();
  const cap =
    options.waitTimeoutMs === undefined ? undefined : { at: begin + options.waitTimeoutMs, label: `--wait-timeout of ${options.waitTimeoutMs / 1000}s` };

  const slots = options.startSlots ?? START_SLOTS;
  if (!Number.isInteger(slots) || slots < 1)
    throw new UsageError(`startSlots must be a whole number of at least 1, not ${slots}`, 'Leave it out for the default (4).');
  const selected = selectKnown(spec, options.services ?? []);
  const waves = planWaves(spec.services, selected);
  // Every service waits on this signal at once (gate sleeps, probes): its listeners scale with the stack.
  setMaxListeners(10 + 2 * selected.length, signal);
  preloadRunner(
    probeRunner,
    selected.map((n) => spec.services[n]!),
  );
  // The engine answers before anything is announced or written: an unreachable engine leaves no trace.
  await runtime.ping();
  emit({ type: 'plan', at: clock.now(), strategy, waves, services: selected });
  const rank = chainBelow(spec.services, selected, expectedWeight(options.expectedReadyMs ?? {}, selected));
  const order = startOrder(waves, rank);
  const [orphans, previews] = await Promise.all([runtime.orphans(), runtime.preview([...new Set(order.map((n) => spec.services[n]!.composeService))])]);
  // Orphans go first: they may hold the host ports the new definitions publish.
  for (const orphan of orphans) {
    if (!options.keepOrphans) await runtime.removeOrphan(orphan, ORPHAN_STOP_SECONDS);
    emit({ type: 'orphan', at: clock.now(), service: orphan, action: options.keepOrphans ? 'kept' : 'removed' });
  }

  // A service whose definition changed is replaced in its turn, not all at once up front: its old container
  // keeps serving its dependents until it is stopped, the new one must pass its gate (else the old one comes
  // back), and one service per level is replaced at a time so the stack is never down all at once.
  const stale = new Map(previews.filter((r) => r.action === 'recreated').map((r) => [r.service, r.reason ?? 'its definition changed'] as const));
  const creation = createAll(
    { runtime, clock, emit },
    order.filter((n) => !stale.has(spec.services[n]!.composeService)),
    (n) => spec.services[n]!.composeService,
  );
  const starts = new StartSlots(slots);
  const rolling = waves.map(() => new StartSlots(1));

  const tracks = new Map<string, Track>(selected.map((n) => [n, { started: new Flag(), healthy: new Flag(), completed: new Flag(), state: 'pending' }]));
  const reports = new Map<string, FailureReport>();
  const needsCompletion = mustComplete(spec.services, selected);
  const setState = (name: string, state: ServiceState, detail?: string, sinceStartMs?: number) => {
    const t = tracks.get(name)!;
    t.state = state;
    emit({ type: 'service', at: clock.now(), service: name, state, ...(detail ? { detail } : {}), ...(sinceStartMs === undefined ? {} : { sinceStartMs }) });
    if (state === 'healthy' || state === 'completed') {
      t.started.set(true);
      t.healthy.set(true);
    }
    if (state === 'completed') t.completed.set(true);
    if (state === 'failed' || state === 'skipped' || state === 'cancelled') [t.started, t.healthy, t.completed].forEach((f) => f.set(false));
  };
  const aborted = new Promise<false>((resolve) => {
    if (signal.aborted) resolve(false);
    signal.addEventListener('abort', () => resolve(false), { once: true });
  });
  const waveOf = new Map(waves.flatMap((w, i) => w.map((n) => [n, i] as const)));
  const waveHealthy = waves.map((w) =>
    Promise.all(w.map((n) => (needsCompletion.has(n) ? tracks.get(n)!.completed : tracks.get(n)!.healthy).promise)).then((r) => r.every(Boolean)),
  );

  const runService = async (s: ServiceSpec): Promise<void> => {
    const flags = s.dependsOn.map((d) => {
      const t = tracks.get(d.service)!;
      return { dep: d, ok: (d.condition === 'started' ? t.started : d.condition === 'completed' ? t.completed : t.healthy).promise };
    });
    const depResults = await Promise.race([Promise.all(flags.map((f) => f.ok)), aborted]);
    if (depResults === false) return setState(s.name, 'cancelled');
    const failedDep = flags.find((_, i) => !depResults[i]);
    if (failedDep) return setState(s.name, 'skipped', `dependency ${failedDep.dep.service} did not become ${failedDep.dep.condition}`);
    const wave = waveOf.get(s.name)!;
    if (strategy === 'waves' && wave > 0) {
      const previous = await Promise.race([waveHealthy[wave - 1]!, aborted]);
      if (signal.aborted) return setState(s.name, 'cancelled');
      if (!previous) return setState(s.name, 'skipped', `wave ${wave - 1} did not become healthy`);
    }
    if (signal.aborted) return setState(s.name, 'cancelled');
    const staleReason = stale.get(s.composeService);
    const restartFor = s.dependsOn.find((d) => d.restart && tracks.get(d.service)?.replaced);
    if (staleReason !== undefined || (restartFor && (await runtime.inspect(s.composeService))?.state === 'running')) {
      try {
        return await rolling[wave]!.run(rank.get(s.name)!, () => roll(s, staleReason, restartFor?.service), signal);
      } catch (err) {
        if (signal.aborted) return setState(s.name, 'cancelled');
        throw err;
      }
    }
    if (!(await creation.ready(s.name))) return setState(s.name, 'skipped', 'its container could not be created');

    let startedAt = clock.now();
    const existing = await runtime.inspect(s.composeService);
    // A job's container (or process record) outlives its run; recreated or removed when its definition changes.
    if (s.job && !options.rerunJobs && existing?.state === 'exited' && existing.exitCode === 0) {
      tracks.get(s.name)!.unchanged = true;
      return setState(s.name, 'completed', 'completed earlier with this definition; not run again (--rerun-jobs runs it)');
    }
    if (existing?.state === 'running') tracks.get(s.name)!.running = true;
    if (existing?.state === 'running' && !needsCompletion.has(s.name) && (await alreadyHealthy(s))) {
      const t = tracks.get(s.name)!;
      t.unchanged = true;
      t.readyMs = clock.now() - startedAt;
      return setState(s.name, 'healthy', 'already running and healthy; not restarted', t.readyMs);
    }
    if (existing?.state !== 'running') {
      setState(s.name, 'starting');
      try {
        // Its startup_timeout counts from when its start is issued, not from when it joined the queue.
        const issue = () => ((startedAt = clock.now()), runtime.start(s.composeService));
        await starts.run(rank.get(s.name)!, issue, signal);
        tracks.get(s.name)!.running = true;
      } catch (err) {
        if (signal.aborted) return setState(s.name, 'cancelled');
        if (!(err instanceof StartFailedError)) throw err;
        reports.set(s.name, await failureReport({ runtime, clock }, s, 'start-error', err.message + (err.hint ? ` — ${err.hint}` : ''), startedAt));
        return setState(s.name, 'failed', err.message);
      }
    }
    tracks.get(s.name)!.started.set(true);

    try {
      const outcome = needsCompletion.has(s.name)
        ? await waitCompleted(s, startedAt)
        : isGated(s, runtime)
          ? await gateOrNull(s, startedAt)
          : { ok: true as const };
      if (!outcome.ok) {
        reports.set(s.name, outcome.report);
        return setState(s.name, 'failed', outcome.report.reason);
      }
    } catch (err) {
      if (signal.aborted) return setState(s.name, 'cancelled');
      throw err;
    }
    const t = tracks.get(s.name)!;
    t.readyMs = clock.now() - startedAt;
    setState(s.name, needsCompletion.has(s.name) ? 'completed' : 'healthy', undefined, t.readyMs);
  };

  /**
   * A running stack changed under it: replace the service with its new definition (or restart it because a
   * dependency it names with `restart: true` was replaced), then gate it; a replacement that fails its gate
   * is rolled back to the previous container.
   */
  const roll = async (s: ServiceSpec, staleReason: string | undefined, dependency: string | undefined): Promise<void> => {
    let replacement: Replacement | undefined;
    try {
      if (staleReason !== undefined) {
        setState(s.name, 'starting', `recreating: ${staleReason}`);
        replacement = await runtime.replace(s.composeService);
      } else {
        setState(s.name, 'starting', `restarting: ${dependency} was recreated`);
        await runtime.stop(s.composeService, Math.ceil((s.heal?.stopTimeoutMs ?? 10_000) / 1000));
      }
    } catch (err) {
      if (!(err instanceof StartFailedError)) throw err;
      reports.set(s.name, await failureReport({ runtime, clock }, s, 'start-error', err.message, clock.now()));
      return setState(s.name, 'failed', err.message);
    }
    let startedAt = clock.now();
    const fail = async (report: FailureReport) => {
      if (replacement?.canRollBack) {
        await replacement.rollback();
        report.reason += '; rolled back to its previous container';
      } else if (replacement) report.reason += '; no previous container to roll back to';
      reports.set(s.name, report);
      setState(s.name, 'failed', report.reason);
    };
    try {
      await starts.run(rank.get(s.name)!, () => ((startedAt = clock.now()), runtime.start(s.composeService)), signal);
    } catch (err) {
      if (signal.aborted) return setState(s.name, 'cancelled');
      if (!(err instanceof StartFailedError)) throw err;
      return fail(await failureReport({ runtime, clock }, s, 'start-error', err.message + (err.hint ? ` — ${err.hint}` : ''), startedAt));
    }
    const t = tracks.get(s.name)!;
    t.running = true;
    t.started.set(true);
    const outcome = needsCompletion.has(s.name)
      ? await waitCompleted(s, startedAt)
      : isGated(s, runtime)
        ? await gateOrNull(s, startedAt)
        : { ok: true as const };
    if (!outcome.ok) return fail(outcome.report);
    await replacement?.commit();
    t.replaced = replacement !== undefined;
    t.readyMs = clock.now() - startedAt;
    setState(
      s.name,
      needsCompletion.has(s.name) ? 'completed' : 'healthy',
      staleReason === undefined ? `restarted after ${dependency}` : `recreated: ${staleReason}`,
      t.readyMs,
    );
  };

  const alreadyHealthy = async (s: ServiceSpec): Promise<boolean> => {
    if (!s.probe) return true;
    const result = await probeRunner(s.probe, probeContext(spec, s, runtime), clock, signal);
    return result.ok;
  };

  const gateOrNull = (s: ServiceSpec, startedAt: number) => {
    setState(s.name, 'probing');
    return gate({ spec, runtime, clock, emit, probeRunner }, s, startedAt, signal, cap);
  };

  // A one-shot service (something waits for it with condition: completed) must exit 0 by its deadline.
  const waitCompleted = async (s: ServiceSpec, startedAt: number) => {
    const interval = s.probe?.timing.intervalMs ?? 250;
    for (;;) {
      const info = await runtime.inspect(s.composeService);
      if (info && (info.state === 'exited' || info.state === 'dead')) {
        if (info.exitCode === 0) return { ok: true as const };
        return {
          ok: false as const,
          report: await failureReport(
            { runtime, clock },
            s,
            'completed-nonzero',
            `exited with code ${info.exitCode}; dependents wait for it to complete successfully`,
            startedAt,
          ),
        };
      }
      const deadline = deadlineOf(s, startedAt, cap);
      if (clock.now() >= deadline.at) {
        return { ok: false as const, report: await failureReport({ runtime, clock }, s, 'deadline', `did not complete within ${deadline.label}`, startedAt) };
      }
      await clock.sleep(startupGap(clock.now() - startedAt, interval), signal);
    }
  };

  const settled = await Promise.allSettled(selected.map((n) => runService(spec.services[n]!)));
  const bug = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (bug) throw bug.reason;
  if (creation.error()) throw creation.error();

  const skipped = selected.filter((n) => tracks.get(n)!.state === 'skipped');
  for (const report of reports.values()) {
    report.notStarted = dependentsOf(spec.services, report.service, selected).filter((d) => skipped.includes(d));
    emit({ type: 'failure', at: clock.now(), report });
  }

  const outcome = Object.fromEntries(
    selected.map((n) => {
      const t = tracks.get(n)!;
      return [n, { state: t.state, ...(t.readyMs === undefined ? {} : { readyMs: t.readyMs }), ...(t.unchanged ? { unchanged: true } : {}) }];
    }),
  );
  const durationMs = clock.now() - begin;
  const error = upError({
    selected,
    requested: options.services && options.services.length > 0 ? options.services : selected,
    state: (n) => tracks.get(n)!.state,
    running: (n) => tracks.get(n)!.running === true,
    reports: [...reports.values()],
    interrupted: signal.aborted,
  });
  emit({
    type: 'done',
    at: clock.now(),
    ok: !error,
    durationMs,
    outcome,
    ...(error ? { error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } } : {}),
  });
  if (error) throw error;
  return { durationMs, waves, outcome };
}
