/**
 * The supervisor: notices crashed, stopped and hung services, restarts them through the same gate as `up`
 * with capped exponential backoff, opens a breaker on a crash loop instead of thrashing, restarts dependents
 * in graph order when asked to, and emits an event for everything it notices and does.
 *
 * Notifications (the webhook) are for what needs a person: a breaker opening, and the recovery of a service
 * whose breaker had opened. A crash healed on its own is in the journal, not in anyone's inbox.
 *
 * Detection: the engine's event stream (die after a kill, stop or crash; reconnected when the engine comes
 * back), plus liveness probing with the service's typed probe for a service that runs but no longer answers.
 */
import { DEFAULTS } from '../config/normalize.js';
import type { ServiceSpec, StackSpec } from '../config/types.js';
import { probeContext, type GateDeps } from '../engine/gate.js';
import { dependentsOf, planWaves } from '../graph/plan.js';
import type { ContextWithoutSignal } from '../probes/run-probe.js';
import type { RuntimeEvent } from '../runtime/types.js';
import type { HealNotification } from '../notify/notification.js';
import { RestartBudget } from './restart-budget.js';
import { restartService } from './restart-service.js';

export type { HealNotification };

export type HealState = 'healthy' | 'unhealthy' | 'restarting' | 'failed' | 'degraded' | 'stopped';

export interface SupervisorDeps extends GateDeps {
  random?: () => number;
  notify?: (n: HealNotification) => void;
}

export interface ServiceHealth {
  name: string;
  state: HealState;
  restarts: number;
  breaker: 'open' | 'closed';
  lastFailure?: { reason: string; at: string };
  nextRetryAt?: string;
}

interface Watched {
  spec: ServiceSpec;
  state: HealState;
  budget: RestartBudget;
  ctx: ContextWithoutSignal;
  restarts: number;
  lastFailure?: { reason: string; at: number };
  nextRetryAt?: number;
  downSince?: number;
  lastKill?: { signal: string; atNano: bigint };
  oomAtNano?: bigint;
  /** Engine events older than our own last start of the container are echoes of our own stop. */
  ownStartNano: bigint;
  healing?: Promise<void>;
  healAbort?: AbortController;
  /** Its breaker opened since it was last healthy: its recovery is worth a notification. */
  breakerOpened?: boolean;
}

const SIGTERM = new Set(['15', 'SIGTERM', 'TERM']);
const nano = (ms: number) => BigInt(Math.round(ms)) * 1_000_000n;

export class Supervisor {
  private readonly watched = new Map<string, Watched>();
  private readonly byCompose = new Map<string, string>();
  private engineConnected = true;
  private signal: AbortSignal = new AbortController().signal;

  constructor(
    private readonly deps: SupervisorDeps,
    services: readonly string[],
  ) {
    for (const name of services) this.watch(deps.spec.services[name]!);
  }

  private watch(spec: ServiceSpec): void {
    const old = this.watched.get(spec.name);
    this.watched.set(spec.name, {
      spec,
      state: old?.state ?? 'healthy',
      budget: new RestartBudget(spec.heal ?? DEFAULTS.heal, this.deps.random),
      ctx: probeContext(this.deps.spec, spec, this.deps.runtime),
      restarts: old?.restarts ?? 0,
      ownStartNano: old?.ownStartNano ?? nano(this.deps.clock.now()),
      ...(old?.lastFailure ? { lastFailure: old.lastFailure } : {}),
    });
    this.byCompose.set(spec.composeService, spec.name);
  }

  private emit: SupervisorDeps['emit'] = (e) => this.deps.emit(e);
  private now = () => this.deps.clock.now();

  /** Supervises until `signal` aborts; healing in progress is cancelled, containers are left as they are. */
  async run(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    const services = [...this.watched.keys()];
    this.emit({ type: 'supervisor', at: this.now(), phase: 'started', pid: process.pid, services });
    await this.reconcile();
    await Promise.allSettled([this.watchEvents(signal), ...services.map((s) => this.liveness(s, signal))]);
    await Promise.allSettled([...this.watched.values()].map((w) => w.healing));
    this.emit({ type: 'supervisor', at: this.now(), phase: 'stopped', pid: process.pid, services });
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

  private async watchEvents(signal: AbortSignal): Promise<void> {
    let delay = 250;
    while (!signal.aborted) {
      try {
        for await (const event of this.deps.runtime.events(signal)) this.onEvent(event);
      } catch {
        // the stream broke: the engine went away (handled below)
      }
      if (signal.aborted) return;
      this.engineConnected = false;
      this.emit({ type: 'engine', at: this.now(), connected: false, detail: 'the event stream ended; waiting for the engine' });
      while (!signal.aborted) {
        try {
          await this.deps.runtime.ping();
          break;
        } catch {
          if (!(await this.pause(delay, signal))) return;
          delay = Math.min(delay * 2, 5_000);
        }
      }
      if (signal.aborted) return;
      delay = 250;
      this.engineConnected = true;
      this.emit({ type: 'engine', at: this.now(), connected: true, detail: 'reconnected to the event stream' });
      await this.reconcile();
    }
  }

  /** After (re)connecting: a service that should run but does not was lost while nobody watched. */
  private async reconcile(): Promise<void> {
    for (const w of this.watched.values()) {
      if (w.state !== 'healthy' && w.state !== 'degraded') continue;
      const info = await this.deps.runtime.inspect(w.spec.composeService).catch(() => undefined);
      if (!info || info.state === 'exited' || info.state === 'dead' || info.state === 'created') {
        this.trigger(w, 'exit', info ? `found ${info.state} (exit code ${info.exitCode}) while the supervisor was not watching` : 'its container is gone');
      }
    }
  }

  private onEvent(e: RuntimeEvent): void {
    const name = this.byCompose.get(e.service);
    const w = name === undefined ? undefined : this.watched.get(name);
    if (!w) return;
    if (e.action === 'kill') w.lastKill = { signal: e.signal ?? '', atNano: e.timeNano };
    if (e.action === 'oom') w.oomAtNano = e.timeNano;
    if (e.action !== 'die' || e.timeNano < w.ownStartNano) return;
    const recent = (t: bigint | undefined) => t !== undefined && e.timeNano - t < 60_000_000_000n;
    const byHand = w.lastKill !== undefined && recent(w.lastKill.atNano) && SIGTERM.has(w.lastKill.signal);
    const code = e.exitCode ?? 0;
    if (byHand) return this.trigger(w, 'stopped', `stopped by hand (docker stop), exit code ${code}`);
    const how = recent(w.oomAtNano) ? ' (killed: out of memory)' : recent(w.lastKill?.atNano) ? ` (killed with signal ${w.lastKill!.signal})` : '';
    this.trigger(w, 'exit', `exited with code ${code}${how}`);
  }

  /** Something was noticed about a running service; ignored when it is already being handled, failed or left stopped. */
  private trigger(w: Watched, trigger: 'exit' | 'stopped' | 'unhealthy', reason: string): void {
    if (w.state !== 'healthy' && w.state !== 'degraded') return;
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
    w.healAbort = new AbortController();
    const signal = AbortSignal.any([this.signal, w.healAbort.signal]);
    w.healing = this.heal(w, reason, signal).finally(() => {
      w.healing = undefined;
      w.healAbort = undefined;
    });
  }

  private async heal(w: Watched, firstReason: string, signal: AbortSignal): Promise<void> {
    let reason = firstReason;
    w.state = 'unhealthy';
    w.downSince ??= this.now();
    for (;;) {
      const decision = w.budget.failed(this.now());
      if (decision.kind === 'breaker-open') {
        w.state = 'failed';
        delete w.nextRetryAt;
        const why = `${decision.restartsInWindow} restarts within ${w.spec.heal!.windowMs / 1000}s; last failure: ${reason}`;
        this.emit({ type: 'breaker', at: this.now(), service: w.spec.name, open: true, restartsInWindow: decision.restartsInWindow, reason: why });
        w.breakerOpened = true;
        this.notify('breaker-open', w, why);
        this.markDependents(w.spec.name, true);
        return;
      }
      w.nextRetryAt = this.now() + decision.delayMs;
      this.emit({ type: 'backoff', at: this.now(), service: w.spec.name, attempt: decision.attempt, delayMs: decision.delayMs, nextAt: w.nextRetryAt });
      if (!(await this.pause(decision.delayMs, signal))) return;
      if (!(await this.engineReady(signal))) return;
      delete w.nextRetryAt;
      w.budget.restarted(this.now());
      const outcome = await this.restartOne(w, 'heal', decision.attempt, signal);
      if (outcome === 'cancelled') return;
      if (outcome.ok) {
        this.emit({ type: 'recovered', at: this.now(), service: w.spec.name, downMs: this.now() - (w.downSince ?? this.now()), attempt: decision.attempt });
        delete w.downSince;
        this.markDependents(w.spec.name, false);
        if (w.spec.heal?.restartDependents) await this.restartDependents(w.spec.name, signal);
        return;
      }
      reason = outcome.reason;
      w.state = 'unhealthy';
    }
  }

  private async restartOne(
    w: Watched,
    why: 'heal' | 'manual' | 'dependency',
    attempt: number,
    signal: AbortSignal,
  ): Promise<{ ok: true } | { ok: false; reason: string } | 'cancelled'> {
    w.state = 'restarting';
    w.restarts++;
    this.emit({ type: 'restart', at: this.now(), service: w.spec.name, attempt, why });
    const startedAt = this.now();
    w.ctx = probeContext(this.deps.spec, w.spec, this.deps.runtime); // a restart may publish a new host port
    try {
      const outcome = await restartService(this.deps, w.spec, signal, () => (w.ownStartNano = nano(this.now())));
      if (outcome.ok) {
        w.state = 'healthy';
        w.budget.healthy(this.now());
        this.emit({ type: 'service', at: this.now(), service: w.spec.name, state: 'healthy', sinceStartMs: this.now() - startedAt });
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

  private async liveness(name: string, signal: AbortSignal): Promise<void> {
    const w0 = this.watched.get(name)!;
    if (!w0.spec.probe) return;
    let failures = 0;
    while (await this.pause(this.watched.get(name)!.spec.heal?.liveness.intervalMs ?? w0.spec.probe.timing.intervalMs, signal)) {
      const w = this.watched.get(name)!;
      const probe = w.spec.probe!;
      const live = w.spec.heal?.liveness ?? probe.timing;
      // A dependent failing only because its dependency is down is not restarted for it (no thrashing).
      if ((w.state !== 'healthy' && w.state !== 'degraded') || !this.engineConnected || this.dependencyDown(name)) {
        failures = 0;
        continue;
      }
      const result = await this.deps.probeRunner({ ...probe, timing: { ...probe.timing, timeoutMs: live.timeoutMs } }, w.ctx, this.deps.clock, signal);
      if (signal.aborted) return;
      if ((w.state !== 'healthy' && w.state !== 'degraded') || result.ok || this.dependencyDown(name)) {
        failures = 0;
        if (result.ok) this.emit({ type: 'liveness', at: this.now(), service: name, result, failures: 0, threshold: live.failureThreshold });
        continue;
      }
      failures++;
      this.emit({ type: 'liveness', at: this.now(), service: name, result, failures, threshold: live.failureThreshold });
      if (failures < live.failureThreshold) continue;
      failures = 0;
      const info = await this.deps.runtime.inspect(w.spec.composeService).catch(() => undefined);
      if (info && info.state !== 'running' && info.state !== 'paused') {
        this.trigger(w, 'exit', `found ${info.state} with exit code ${info.exitCode}`);
      } else {
        const paused = info?.state === 'paused' ? ' (the container is paused)' : '';
        this.trigger(w, 'unhealthy', `liveness probe failed ${live.failureThreshold} times in a row${paused}; last: ${result.error}`);
      }
    }
  }

  /** A (transitive) dependency that is being healed, failed, or left stopped. */
  private dependencyDown(name: string): string | undefined {
    const seen = new Set<string>();
    const visit = (n: string): string | undefined => {
      for (const d of this.deps.spec.services[n]?.dependsOn ?? []) {
        if (seen.has(d.service)) continue;
        seen.add(d.service);
        const w = this.watched.get(d.service);
        if (w && w.state !== 'healthy' && w.state !== 'degraded') return d.service;
        const deeper = visit(d.service);
        if (deeper) return deeper;
      }
      return undefined;
    };
    return visit(name);
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

  /** Dependents restarted wave by wave, so each one's own dependencies are healthy before it starts. */
  private async restartDependents(name: string, signal: AbortSignal): Promise<void> {
    const dependents = dependentsOf(this.deps.spec.services, name, [...this.watched.keys()]);
    for (const wave of planWaves(this.deps.spec.services, dependents)) {
      await Promise.all(
        wave.map(async (d) => {
          const w = this.watched.get(d)!;
          if (w.healing || w.state === 'failed' || w.state === 'stopped') return;
          const outcome = await this.restartOne(w, 'dependency', 0, signal);
          if (outcome !== 'cancelled' && !outcome.ok) this.handle(w, 'exit', outcome.reason);
        }),
      );
    }
  }

  /** `stack restart`: resets the backoff and closes the breaker, then restarts through the gate. */
  async restart(names: readonly string[], withDependents: boolean): Promise<{ service: string; ok: boolean; reason?: string }[]> {
    const results: { service: string; ok: boolean; reason?: string }[] = [];
    for (const name of names) {
      const w = this.watched.get(name);
      if (!w) {
        results.push({ service: name, ok: false, reason: 'not supervised' });
        continue;
      }
      w.healAbort?.abort();
      await w.healing;
      if (w.state === 'failed')
        this.emit({ type: 'breaker', at: this.now(), service: name, open: false, restartsInWindow: 0, reason: 'closed by stack restart' });
      w.budget.reset();
      const outcome = await this.restartOne(w, 'manual', 0, this.signal);
      if (outcome === 'cancelled') return results;
      results.push({ service: name, ok: outcome.ok, ...(outcome.ok ? {} : { reason: outcome.reason }) });
      if (outcome.ok) {
        this.markDependents(name, false);
        if (withDependents || w.spec.heal?.restartDependents) await this.restartDependents(name, this.signal);
      } else {
        this.handle(w, 'exit', outcome.reason);
      }
    }
    return results;
  }

  /** A changed stack.yaml: new policies, breakers closed, failed services healed again. */
  reload(spec: StackSpec): void {
    this.deps.spec = spec;
    for (const name of [...this.watched.keys()]) {
      const s = spec.services[name];
      if (!s) continue;
      const w = this.watched.get(name)!;
      const wasFailed = w.state === 'failed';
      this.watch(s);
      if (wasFailed) {
        const fresh = this.watched.get(name)!;
        this.emit({ type: 'breaker', at: this.now(), service: name, open: false, restartsInWindow: 0, reason: 'closed by a configuration change' });
        fresh.state = 'unhealthy';
        this.startHealing(fresh, 'configuration changed');
      }
    }
    this.emit({ type: 'config', at: this.now(), detail: 'stack.yaml changed: policies reloaded, breakers closed' });
  }

  private notify(event: HealNotification['event'], w: Watched, reason: string): void {
    this.deps.notify?.({ event, service: w.spec.name, reason, restartsInWindow: w.budget.restartsInWindow, at: new Date(this.now()).toISOString() });
  }

  /** Sleeps; false when cancelled. */
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
