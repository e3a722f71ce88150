/**
 * The supervisor: wires the parts that notice and heal. Engine events (engine-watch, classified by
 * classify-event) and liveness probing (liveness) notice crashed, stopped, removed and hung services; the
 * healer restarts them through the same gate as `up` with capped exponential backoff and opens a breaker on
 * a crash loop; dependents are marked degraded or restarted in graph order (engine/restart). Everything it
 * notices and does is an event.
 *
 * Notifications (the webhook) are for what needs a person: a breaker opening, and the recovery of a service
 * whose breaker had opened. A crash healed on its own is in the journal, not in anyone's inbox.
 */
import { setMaxListeners } from 'node:events';
import { DEFAULTS } from '../config/normalize.js';
import type { ServiceSpec } from '../config/types.js';
import { probeContext, type GateDeps } from '../engine/gate.js';
import { restartDependents as restartDependentsOf, restartInOrder, restartService, type RestartResult } from '../engine/restart.js';
import { dependentsOf } from '../graph/plan.js';
import { status, type StackStatus } from '../engine/status.js';
import type { HealNotification } from '../notify/notification.js';
import type { ContainerInfo, RuntimeEvent } from '../runtime/types.js';
import type { ProbeResult } from '../probes/types.js';
import { classifyEvent } from './classify-event.js';
import { downDependency } from './dependents.js';
import { watchEngine } from './engine-watch.js';
import { healLoop, isUp, type HealerOps, type HealState, type RestartOutcome, type Watched } from './healer.js';
import { livenessLoop } from './liveness.js';
import { RestartBudget } from './restart-budget.js';

export type { HealNotification, HealState };

export interface SupervisorDeps extends GateDeps {
  random?: () => number;
  notify?: (n: HealNotification) => void;
  /** The pid the supervisor reports itself as (default: this process). */
  pid?: number;
}

export interface ServiceHealth {
  name: string;
  state: HealState;
  restarts: number;
  breaker: 'open' | 'closed';
  lastFailure?: { reason: string; at: string };
  nextRetryAt?: string;
}

const nano = (ms: number) => BigInt(Math.round(ms)) * 1_000_000n;

export class Supervisor {
  private readonly watched = new Map<string, Watched>();
  private readonly byCompose = new Map<string, string>();
  private engineConnected = true;
  private signal: AbortSignal = new AbortController().signal;
  private readonly pid: number;

  constructor(
    private readonly deps: SupervisorDeps,
    services: readonly string[],
  ) {
    this.pid = deps.pid ?? process.pid;
    // A job runs to completion: its exit is the point, not a fault.
    for (const name of services) if (!deps.spec.services[name]!.job) this.watch(deps.spec.services[name]!);
  }

  private watch(spec: ServiceSpec): Watched {
    const old = this.watched.get(spec.name);
    const w: Watched = {
      spec,
      state: old?.state ?? 'healthy',
      budget: new RestartBudget(spec.heal ?? DEFAULTS.heal, this.deps.random),
      ctx: probeContext(this.deps.spec, spec, this.deps.runtime),
      restarts: old?.restarts ?? 0,
      memory: old?.memory ?? { ownStartNano: nano(this.now()) },
      ...(old?.lastFailure ? { lastFailure: old.lastFailure } : {}),
    };
    this.watched.set(spec.name, w);
    this.byCompose.set(spec.composeService, spec.name);
    return w;
  }

  /** The last probe result of each service (liveness or a restart's gate): `status` reads it instead of probing. */
  private readonly lastProbe = new Map<string, ProbeResult>();

  private emit: SupervisorDeps['emit'] = (e) => {
    if (e.type === 'liveness' || e.type === 'probe') this.lastProbe.set(e.service, e.result);
    this.deps.emit(e);
  };
  /** What the gate and the liveness loops get: the supervisor's deps, their events seen by `emit` first. */
  private get observed(): SupervisorDeps {
    return { ...this.deps, emit: this.emit };
  }
  private now = () => this.deps.clock.now();

  /** Supervises until `signal` aborts; healing in progress is cancelled, containers are left as they are. */
  async run(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    const services = [...this.watched.keys()];
    // One liveness loop and possibly one healing per service wait on this signal at once.
    setMaxListeners(10 + 3 * services.length, signal);
    this.emit({ type: 'supervisor', at: this.now(), phase: 'started', pid: this.pid, services });
    await this.findLost();
    const engine = watchEngine(this.deps.runtime, this.deps.clock, signal, {
      event: (e) => this.onEvent(e),
      disconnected: () => {
        this.engineConnected = false;
        this.emit({ type: 'engine', at: this.now(), connected: false, detail: 'the event stream ended; waiting for the engine' });
      },
      reconnected: async () => {
        this.engineConnected = true;
        this.emit({ type: 'engine', at: this.now(), connected: true, detail: 'reconnected to the event stream' });
        await this.findLost();
      },
    });
    const liveness = services.map((name) =>
      livenessLoop(
        {
          spec: () => this.watched.get(name)!.spec,
          ctx: () => this.watched.get(name)!.ctx,
          shouldProbe: () => isUp(this.watched.get(name)!) && this.engineConnected && !this.dependencyDown(name),
        },
        this.observed,
        signal,
        (last, threshold) => void this.onLivenessFailed(this.watched.get(name)!, last.error, threshold),
      ),
    );
    await Promise.allSettled([engine, ...liveness]);
    await Promise.allSettled([...this.watched.values()].map((w) => w.healing));
    this.emit({ type: 'supervisor', at: this.now(), phase: 'stopped', pid: this.pid, services });
  }

  snapshot(): ServiceHealth[] {
    return [...this.watched.values()].map((w) => ({
      name: w.spec.name,
      state: w.state,
      restarts: w.restarts,
      breaker: w.state === 'failed' ? 'open' : 'closed',
      ...(w.lastFailure ? { lastFailure: { reason: w.lastFailure.reason, at: new Date(w.lastFailure.at).toISOString() } } : {}),
      ...(w.nextRetryAt ? { nextRetryAt: new Date(w.nextRetryAt).toISOString() } : {}),
    }));
  }

  /**
   * `status` with this supervisor's live health instead of new probes. The project's containers are listed
   * once and kept until the engine reports anything about them (or the event stream breaks), so a `status`
   * in a quiet stack costs no engine call at all.
   */
  status(): Promise<StackStatus> {
    return status({ spec: this.deps.spec, runtime: this.deps.runtime, clock: this.deps.clock, live: (n) => this.live(n), containers: () => this.containers() });
  }

  private known?: Promise<Map<string, ContainerInfo>>;
  private containers(): Promise<Map<string, ContainerInfo>> {
    if (!this.engineConnected) this.known = undefined;
    this.known ??= this.deps.runtime.inspectAll();
    this.known.catch(() => (this.known = undefined));
    return this.known;
  }

  /** What it knows of a service right now, for `status`: healthy or not, and the probe result that says so. */
  live(name: string): { healthy: boolean; lastProbe?: ProbeResult } | undefined {
    const w = this.watched.get(name);
    if (!w) return undefined;
    const last = this.lastProbe.get(name);
    return { healthy: w.state === 'healthy', ...(last ? { lastProbe: last } : {}) };
  }

  /** At start and after reconnecting: a service that should run but does not was lost while nobody watched. */
  private async findLost(): Promise<void> {
    for (const w of this.watched.values()) {
      if (!isUp(w)) continue;
      const info = await this.deps.runtime.inspect(w.spec.composeService).catch(() => undefined);
      if (!info || info.state === 'exited' || info.state === 'dead' || info.state === 'created') {
        this.noticed(w, 'exit', info ? `found ${info.state} (exit code ${info.exitCode}) while the supervisor was not watching` : 'its container is gone');
      }
    }
  }

  private onEvent(e: RuntimeEvent): void {
    this.known = undefined; // a container changed: list them again for the next status
    const name = this.byCompose.get(e.service);
    const w = name === undefined ? undefined : this.watched.get(name);
    if (!w) return;
    const { memory, fault } = classifyEvent(w.memory, e);
    w.memory = memory;
    if (fault) this.noticed(w, fault.trigger, fault.reason);
  }

  private async onLivenessFailed(w: Watched, lastError: string | undefined, threshold: number): Promise<void> {
    const info = await this.deps.runtime.inspect(w.spec.composeService).catch(() => undefined);
    if (info && info.state !== 'running' && info.state !== 'paused') return this.noticed(w, 'exit', `found ${info.state} with exit code ${info.exitCode}`);
    const paused = info?.state === 'paused' ? ' (the container is paused)' : '';
    this.noticed(w, 'unhealthy', `liveness probe failed ${threshold} times in a row${paused}; last: ${lastError}`);
  }

  /** Something was noticed about a running service; ignored when it is already being handled, failed or left stopped. */
  private noticed(w: Watched, trigger: 'exit' | 'stopped' | 'unhealthy', reason: string): void {
    if (!isUp(w)) return;
    this.handle(w, trigger, reason);
  }

  private handle(w: Watched, trigger: 'exit' | 'stopped' | 'unhealthy', reason: string): void {
    const healed = w.spec.heal !== null && w.spec.heal.on.includes(trigger);
    this.emit({ type: 'detected', at: this.now(), service: w.spec.name, trigger, reason, healed });
    w.lastFailure = { reason, at: this.now() };
    if (!healed) {
      w.state = 'stopped';
      return;
    }
    this.startHealing(w, reason);
  }

  private startHealing(w: Watched, reason: string): void {
    const abort = new AbortController();
    w.healAbort = abort;
    const signal = AbortSignal.any([this.signal, abort.signal]);
    w.healing = healLoop(w, reason, signal, this.healerOps).finally(() => {
      w.healing = undefined;
      w.healAbort = undefined;
    });
  }

  private readonly healerOps: HealerOps = {
    now: () => this.now(),
    emit: (e) => this.emit(e),
    pause: (ms, signal) => this.pause(ms, signal),
    engineReady: (signal) => this.engineReady(signal),
    restartOne: (w, why, attempt, signal) => this.restartOne(w, why, attempt, signal),
    breakerOpened: (w, why) => {
      this.notify('breaker-open', w, why);
      this.markDependents(w.spec.name, true);
      // An engine that restarts services itself (swarm) would go on thrashing: the breaker stops it there.
      if (this.deps.runtime.restart) {
        const seconds = Math.ceil((w.spec.heal?.stopTimeoutMs ?? 10_000) / 1000);
        this.deps.runtime.stop(w.spec.composeService, seconds).catch(() => undefined);
      }
    },
    recovered: async (w, signal) => {
      this.markDependents(w.spec.name, false);
      if (w.spec.heal?.restartDependents) await this.restartDependents(w.spec.name, signal);
    },
  };

  private async restartOne(w: Watched, why: 'heal' | 'manual' | 'dependency', attempt: number, signal: AbortSignal): Promise<RestartOutcome> {
    w.state = 'restarting';
    w.restarts++;
    this.emit({ type: 'restart', at: this.now(), service: w.spec.name, attempt, why });
    const startedAt = this.now();
    w.ctx = probeContext(this.deps.spec, w.spec, this.deps.runtime); // a restart may publish a new host port
    try {
      const outcome = await restartService(this.observed, w.spec, signal, () => (w.memory = { ownStartNano: nano(this.now()) }));
      if (outcome.ok) {
        w.state = 'healthy';
        w.budget.healthy(this.now());
        const detail = outcome.recreated ? 'its container was gone: recreated' : undefined;
        this.emit({
          type: 'service',
          at: this.now(),
          service: w.spec.name,
          state: 'healthy',
          sinceStartMs: this.now() - startedAt,
          ...(detail ? { detail } : {}),
        });
        if (w.breakerOpened) {
          w.breakerOpened = false;
          this.notify('recovered', w, `healthy again after its breaker had opened (${why === 'manual' ? 'stack restart' : why})`);
        }
        return { ok: true };
      }
      this.emit({ type: 'restart-failed', at: this.now(), service: w.spec.name, reason: outcome.report.reason });
      w.lastFailure = { reason: outcome.report.reason, at: this.now() };
      return { ok: false, reason: outcome.report.reason };
    } catch (err) {
      if (signal.aborted) return 'cancelled';
      const reason = err instanceof Error ? err.message : String(err);
      this.emit({ type: 'restart-failed', at: this.now(), service: w.spec.name, reason });
      return { ok: false, reason };
    }
  }

  private dependencyDown(name: string): string | undefined {
    return downDependency(this.deps.spec.services, name, (d) => {
      const w = this.watched.get(d);
      return w !== undefined && !isUp(w);
    });
  }

  private markDependents(name: string, degraded: boolean): void {
    for (const d of dependentsOf(this.deps.spec.services, name, [...this.watched.keys()])) {
      const w = this.watched.get(d)!;
      if (degraded && w.state === 'healthy') {
        w.state = 'degraded';
        this.emit({ type: 'degraded', at: this.now(), service: d, degraded: true, because: `${name} failed and is not restarted any more` });
      } else if (!degraded && w.state === 'degraded') {
        w.state = 'healthy';
        this.emit({ type: 'degraded', at: this.now(), service: d, degraded: false, because: `${name} is healthy again` });
      }
    }
  }

  /** A dependent that fails its restart is healed like any crash. */
  private async restartDependents(name: string, signal: AbortSignal): Promise<void> {
    await restartDependentsOf(this.deps.spec, name, (d) => this.restartDependent(d, signal), [...this.watched.keys()]);
  }

  private async restartDependent(name: string, signal: AbortSignal): Promise<RestartResult | undefined> {
    const w = this.watched.get(name)!;
    if (w.healing || w.state === 'failed' || w.state === 'stopped') return undefined;
    const outcome = await this.restartOne(w, 'dependency', 0, signal);
    if (outcome === 'cancelled') return undefined;
    if (!outcome.ok) this.handle(w, 'exit', outcome.reason);
    return { service: name, ok: outcome.ok, ...(outcome.ok ? {} : { reason: outcome.reason }) };
  }

  /** `stack restart`: resets the backoff and closes the breaker, then restarts through the gate. */
  async restart(names: readonly string[], withDependents: boolean): Promise<RestartResult[]> {
    const unknown = names.filter((n) => !this.watched.has(n)).map((service) => ({ service, ok: false, reason: 'not supervised' }));
    const results = await restartInOrder(
      this.deps.spec,
      names.filter((n) => this.watched.has(n)),
      (name) => withDependents || (this.watched.get(name)!.spec.heal?.restartDependents ?? false),
      async (name, why) => (why === 'manual' ? this.restartByHand(name) : this.restartDependent(name, this.signal)),
      [...this.watched.keys()],
    );
    return [...unknown, ...results];
  }

  private async restartByHand(name: string): Promise<RestartResult | undefined> {
    const w = this.watched.get(name)!;
    w.healAbort?.abort();
    await w.healing;
    if (w.state === 'failed')
      this.emit({ type: 'breaker', at: this.now(), service: name, open: false, restartsInWindow: 0, reason: 'closed by stack restart' });
    w.budget.reset();
    const outcome = await this.restartOne(w, 'manual', 0, this.signal);
    if (outcome === 'cancelled') return undefined;
    if (outcome.ok) this.markDependents(name, false);
    else this.handle(w, 'exit', outcome.reason);
    return { service: name, ok: outcome.ok, ...(outcome.ok ? {} : { reason: outcome.reason }) };
  }

  private notify(event: HealNotification['event'], w: Watched, reason: string): void {
    this.deps.notify?.({ event, service: w.spec.name, reason, restartsInWindow: w.budget.restartsInWindow, at: new Date(this.now()).toISOString() });
  }

  private async pause(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await this.deps.clock.sleep(ms, signal);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Waits until the engine answers. A restart tried while the engine is down (or shutting down) would fail
   * and use up the restart budget for nothing, so it is not tried.
   */
  private async engineReady(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal.aborted) return false;
      if (this.engineConnected) {
        try {
          await this.deps.runtime.ping();
          return true;
        } catch {
          // fall through and wait
        }
      }
      if (!(await this.pause(250, signal))) return false;
    }
  }
}
