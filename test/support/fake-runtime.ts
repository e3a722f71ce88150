/**
 * An in-memory engine for scheduler tests. Each service has a script: how long after start its probe
 * passes (or never), whether it exits, whether start fails. The probe runner reads the same script.
 */
import type { ProbeRunner } from '../../src/engine/gate.js';
import { StartFailedError } from '../../src/core/errors.js';
import type { ContainerInfo, CreateOptions, CreateReport, EngineFacts, Replacement, Runtime, RuntimeEvent, ServiceNeeds } from '../../src/runtime/types.js';
import type { FakeClock } from './fake-clock.js';

export interface ServiceScript {
  /** Probe passes from this long after start; undefined = never. */
  readyAfterMs?: number;
  /** The container exits this long after start, with `exitCode`. */
  exitAfterMs?: number;
  exitCode?: number;
  startError?: string;
  /** Already running when the test begins. */
  running?: boolean;
}

export class FakeRuntime implements Runtime {
  readonly calls: string[] = [];
  /** Set by a test to act as a runtime whose engine converges and restarts on its own (swarm). */
  converged?: Runtime['converged'];
  restart?: Runtime['restart'];
  /** Services whose probe fails (hung), whatever their script says. */
  readonly hung = new Set<string>();
  /** Services that exit again right after every start (a crash loop). */
  readonly crashOnStart = new Set<string>();
  private readonly exitedWith = new Map<string, number>();
  private listeners = new Set<(e: RuntimeEvent | 'disconnect') => void>();
  readonly startedAt = new Map<string, number>();
  created: string[] = [];
  pingError?: Error;
  /** Virtual time each create (a compose call) takes. */
  createDelayMs = 0;
  /** Virtual time each start takes; the engine serializes them, like the real one (~0.2 s each here). */
  startDelayMs = 0;
  private engineBusyUntil = 0;
  /** The most starts that were in flight at once. */
  maxStartsInFlight = 0;
  private startsInFlight = 0;

  constructor(
    private readonly clock: FakeClock,
    private readonly scripts: Record<string, ServiceScript>,
  ) {
    for (const [name, s] of Object.entries(scripts)) if (s.running) this.startedAt.set(name, clock.now() - 3_600_000);
  }

  pings = 0;
  async ping() {
    this.pings++;
    if (this.pingError) throw this.pingError;
  }
  async create(services: readonly string[], options: CreateOptions = {}): Promise<CreateReport[]> {
    this.calls.push(`create ${services.join(',')}${options.onlyThese ? ' (only these)' : ''}`);
    const reports: CreateReport[] = [];
    // Like the engine API path: each container exists after its own create, in the order asked.
    for (const s of services) {
      if (this.createDelayMs) await this.clock.sleep(this.createDelayMs);
      reports.push(this.report(s));
      if (this.changed.has(s)) {
        this.changed.delete(s);
        this.startedAt.delete(s); // recreated: a new container, not started yet
        this.exitedWith.delete(s);
      }
      if (!this.created.includes(s)) this.created.push(s);
      options.onCreated?.(s);
    }
    return reports;
  }
  /** Services whose definition changed since their container was made (the reason `preview` and `create` give). */
  readonly changed = new Map<string, string>();
  /** Services with a container that the stack no longer defines. */
  orphanNames: string[] = [];
  private report(s: string): CreateReport {
    if (!this.created.includes(s) && !this.startedAt.has(s)) return { service: s, via: 'api', action: 'created' };
    const why = this.changed.get(s);
    return why ? { service: s, via: 'api', action: 'recreated', reason: why } : { service: s, via: 'api', action: 'kept' };
  }
  async preview(services: readonly string[]): Promise<CreateReport[]> {
    return services.map((s) => this.report(s));
  }
  /** What each service needs (default: nothing), for pre-flight tests. */
  readonly needsOf = new Map<string, Omit<ServiceNeeds, 'service' | 'running'>>();
  engine: EngineFacts = {};
  async needs(services: readonly string[]): Promise<ServiceNeeds[]> {
    return services.map((s) => ({ service: s, running: this.startedAt.has(s) && !this.exited(s), hostPorts: [], ...this.needsOf.get(s) }));
  }
  async engineFacts(): Promise<EngineFacts> {
    return this.engine;
  }
  /** Services whose replacement rolls back unless true (set per test); the outcomes, in order. */
  readonly replaced: string[] = [];
  async replace(s: string): Promise<Replacement> {
    this.calls.push(`replace ${s}`);
    const reason = this.changed.get(s) ?? 'changed';
    this.changed.delete(s);
    this.startedAt.delete(s); // the new container, not started
    this.exitedWith.delete(s);
    return {
      reason,
      canRollBack: true,
      commit: async () => void this.replaced.push(`commit ${s}`),
      rollback: async () => {
        this.replaced.push(`rollback ${s}`);
        this.hung.delete(s); // the previous container is healthy
        this.startedAt.set(s, this.clock.now());
      },
    };
  }
  async orphans(): Promise<string[]> {
    return [...this.orphanNames];
  }
  async removeOrphan(name: string) {
    this.calls.push(`remove-orphan ${name}`);
    this.orphanNames = this.orphanNames.filter((o) => o !== name);
  }
  private exited(name: string): boolean {
    if (this.exitedWith.has(name)) return true;
    const s = this.scripts[name];
    const at = this.startedAt.get(name);
    return at !== undefined && s?.exitAfterMs !== undefined && this.clock.now() - at >= s.exitAfterMs;
  }
  async inspect(name: string): Promise<ContainerInfo | undefined> {
    if (!this.created.includes(name) && !this.startedAt.has(name)) return undefined;
    const started = this.startedAt.has(name);
    const exited = this.exited(name);
    return {
      id: name,
      name,
      service: name,
      state: !started ? 'created' : exited ? 'exited' : 'running',
      exitCode: exited ? (this.exitedWith.get(name) ?? this.scripts[name]?.exitCode ?? 0) : 0,
      oomKilled: false,
      restartCount: 0,
      ports: [],
    };
  }
  inspectAllCalls = 0;
  async inspectAll(): Promise<Map<string, ContainerInfo>> {
    this.inspectAllCalls++;
    const names = new Set([...this.created, ...this.startedAt.keys()]);
    const infos = await Promise.all([...names].map((n) => this.inspect(n)));
    return new Map(infos.flatMap((i) => (i ? [[i.service, i] as const] : [])));
  }
  async start(name: string) {
    this.calls.push(`start ${name}@${this.clock.elapsed}`);
    if (this.startDelayMs) {
      this.maxStartsInFlight = Math.max(this.maxStartsInFlight, ++this.startsInFlight);
      this.engineBusyUntil = Math.max(this.engineBusyUntil, this.clock.now()) + this.startDelayMs;
      await this.clock.sleep(this.engineBusyUntil - this.clock.now());
      this.startsInFlight--;
    }
    const err = this.scripts[name]?.startError;
    if (err) throw new StartFailedError(`the engine could not start ${name}: ${err}`, 'free the port');
    this.startedAt.set(name, this.clock.now());
    this.exitedWith.delete(name);
    if (this.crashOnStart.has(name)) this.crash(name, 1);
  }
  async stop(name: string) {
    this.calls.push(`stop ${name}`);
    if (this.startedAt.has(name) && !this.exitedWith.has(name)) {
      this.push({ service: name, action: 'kill', signal: '15' });
      this.exitedWith.set(name, 0);
      this.push({ service: name, action: 'die', exitCode: 0 });
    }
  }
  async unpause(name: string) {
    this.calls.push(`unpause ${name}`);
  }
  async streamLogs() {}

  /** The container dies on its own (a crash), as the engine would report it. */
  crash(name: string, exitCode = 137, signal?: string) {
    if (signal) this.push({ service: name, action: 'kill', signal });
    this.exitedWith.set(name, exitCode);
    this.push({ service: name, action: 'die', exitCode });
  }
  /** Someone ran `docker rm -f` on it: killed, then its container is gone. */
  remove(name: string) {
    this.push({ service: name, action: 'kill', signal: '9' });
    this.exitedWith.set(name, 137);
    this.push({ service: name, action: 'die', exitCode: 137 });
    this.created = this.created.filter((c) => c !== name);
    this.startedAt.delete(name);
    this.exitedWith.delete(name);
    this.push({ service: name, action: 'destroy' });
  }

  /** Someone ran `docker stop` on it. */
  stopByHand(name: string) {
    this.push({ service: name, action: 'kill', signal: '15' });
    this.exitedWith.set(name, 0);
    this.push({ service: name, action: 'die', exitCode: 0 });
  }
  /** The engine goes away: the event stream ends and pings fail until `reconnectEngine`. */
  disconnectEngine() {
    this.pingError = new Error('engine down');
    for (const l of this.listeners) l('disconnect');
  }
  reconnectEngine() {
    delete this.pingError;
  }
  private push(e: Omit<RuntimeEvent, 'containerId' | 'timeNano'>) {
    const event = { containerId: e.service, timeNano: BigInt(this.clock.now()) * 1_000_000n + BigInt(this.seq++), ...e } as RuntimeEvent;
    for (const l of this.listeners) l(event);
  }
  private seq = 1;

  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    if (this.pingError) throw this.pingError;
    const queue: (RuntimeEvent | 'disconnect')[] = [];
    let wake: (() => void) | undefined;
    const listener = (e: RuntimeEvent | 'disconnect') => {
      queue.push(e);
      wake?.();
    };
    this.listeners.add(listener);
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        const e = queue.shift();
        if (e === 'disconnect') return;
        if (e) {
          yield e;
          continue;
        }
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      this.listeners.delete(listener);
      signal.removeEventListener('abort', onAbort);
    }
  }
  async down() {
    this.calls.push('down');
  }
  async logs(name: string) {
    return [`${name} log line`];
  }
  async output(name: string) {
    return [`${name} log line`];
  }
  async exec() {
    return { exitCode: 0, output: '' };
  }
  async endpoint(name: string, port: number) {
    return { host: name, port };
  }

  /** A probe runner that passes once the service's script says it is ready. */
  probeRunner: ProbeRunner = async (probe, ctx, clock) => {
    const { host: name } = await ctx.endpoint('port' in probe ? probe.port : 0);
    const at = new Date(clock.now()).toISOString();
    const started = this.startedAt.get(name);
    const ready = this.scripts[name]?.readyAfterMs;
    const ok = started !== undefined && !this.exited(name) && !this.hung.has(name) && ready !== undefined && clock.now() - started >= ready;
    return ok ? { ok, latencyMs: 1, at } : { ok, latencyMs: 1, at, error: 'connection refused' };
  };
}
