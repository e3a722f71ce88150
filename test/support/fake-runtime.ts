/**
 * An in-memory engine for scheduler tests. Each service has a script: how long after start its probe
 * passes (or never), whether it exits, whether start fails. The probe runner reads the same script.
 */
import type { ProbeRunner } from '../../src/engine/gate.js';
import { StartFailedError } from '../../src/errors.js';
import type { ContainerInfo, Runtime } from '../../src/runtime/types.js';
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
  readonly startedAt = new Map<string, number>();
  created: string[] = [];
  pingError?: Error;

  constructor(
    private readonly clock: FakeClock,
    private readonly scripts: Record<string, ServiceScript>,
  ) {
    for (const [name, s] of Object.entries(scripts)) if (s.running) this.startedAt.set(name, clock.now() - 3_600_000);
  }

  async ping() {
    if (this.pingError) throw this.pingError;
  }
  async create(services: readonly string[]) {
    this.calls.push(`create ${services.join(',')}`);
    this.created = [...services];
  }
  private exited(name: string): boolean {
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
      exitCode: exited ? (this.scripts[name]?.exitCode ?? 0) : 0,
      oomKilled: false,
      restartCount: 0,
      ports: [],
    };
  }
  async list() {
    return (await Promise.all(Object.keys(this.scripts).map((n) => this.inspect(n)))).filter((x): x is ContainerInfo => !!x);
  }
  async start(name: string) {
    this.calls.push(`start ${name}@${this.clock.elapsed}`);
    const err = this.scripts[name]?.startError;
    if (err) throw new StartFailedError(`the engine could not start ${name}: ${err}`, 'free the port');
    this.startedAt.set(name, this.clock.now());
  }
  async stop(name: string) {
    this.calls.push(`stop ${name}`);
    this.startedAt.delete(name);
  }
  async down() {
    this.calls.push('down');
  }
  async logs(name: string) {
    return [`${name} log line`];
  }
  async exec() {
    return { exitCode: 0, output: '' };
  }
  async endpoint(name: string, port: number) {
    return { host: name, port };
  }
  async describe() {
    return { compose: 'fake', engine: 'fake' };
  }

  /** A probe runner that passes once the service's script says it is ready. */
  probeRunner: ProbeRunner = async (probe, ctx, clock) => {
    const { host: name } = await ctx.endpoint('port' in probe ? probe.port : 0);
    const at = new Date(clock.now()).toISOString();
    const started = this.startedAt.get(name);
    const ready = this.scripts[name]?.readyAfterMs;
    const ok = started !== undefined && !this.exited(name) && ready !== undefined && clock.now() - started >= ready;
    return ok ? { ok, latencyMs: 1, at } : { ok, latencyMs: 1, at, error: 'connection refused' };
  };
}
