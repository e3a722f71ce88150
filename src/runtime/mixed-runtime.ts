/**
 * One Runtime over two: the stack's compose containers and its host processes. Each call goes to the side
 * that owns the service; lists, events and `down` cover both. The engine above cannot tell them apart.
 */
import type { Endpoint } from '../probes/types.js';
import type { ProcessRuntime } from './process/process-runtime.js';
import type { ContainerInfo, CreateOptions, CreateReport, EngineFacts, Replacement, Runtime, RuntimeEvent, ServiceNeeds } from './types.js';

export class MixedRuntime implements Runtime {
  restart?: Runtime['restart'];
  converged?: Runtime['converged'];

  constructor(
    private readonly containers: Runtime,
    private readonly processes: ProcessRuntime,
  ) {
    // What only some container runtimes have (swarm), a host process does the ordinary way.
    const { restart, converged } = containers;
    if (restart)
      this.restart = async (s, t) => {
        if (!this.processes.has(s)) return restart.call(containers, s, t);
        await this.processes.stop(s, t);
        await this.processes.start(s);
      };
    if (converged) this.converged = async (s) => (this.processes.has(s) ? undefined : converged.call(containers, s));
  }

  private of(service: string): Runtime {
    return this.processes.has(service) ? this.processes : this.containers;
  }

  ping(): Promise<void> {
    return this.containers.ping();
  }

  async create(services: readonly string[], options: CreateOptions = {}): Promise<CreateReport[]> {
    const own = services.filter((s) => this.processes.has(s));
    const rest = services.filter((s) => !this.processes.has(s));
    const [a, b] = await Promise.all([this.processes.create(own, options), rest.length > 0 ? this.containers.create(rest, options) : []]);
    return [...a, ...b];
  }

  async preview(services: readonly string[]): Promise<CreateReport[]> {
    const own = services.filter((s) => this.processes.has(s));
    const rest = services.filter((s) => !this.processes.has(s));
    const [a, b] = await Promise.all([this.processes.preview(own), rest.length > 0 ? this.containers.preview(rest) : []]);
    return [...a, ...b];
  }

  replace(service: string): Promise<Replacement> {
    return this.of(service).replace(service);
  }

  async needs(services: readonly string[]): Promise<ServiceNeeds[]> {
    const own = services.filter((s) => this.processes.has(s));
    const rest = services.filter((s) => !this.processes.has(s));
    const [a, b] = await Promise.all([this.processes.needs(own), rest.length > 0 ? this.containers.needs(rest) : []]);
    return [...a, ...b];
  }

  engineFacts(): Promise<EngineFacts> {
    return this.containers.engineFacts();
  }

  async orphans(): Promise<string[]> {
    const [a, b] = await Promise.all([this.processes.orphans(), this.containers.orphans()]);
    return [...new Set([...a, ...b])].sort();
  }

  async removeOrphan(service: string, timeoutSeconds: number): Promise<void> {
    // Only the side that has it as an orphan: the other may run a live service of that name.
    const [processes, containers] = await Promise.all([this.processes.orphans(), this.containers.orphans()]);
    if (processes.includes(service)) await this.processes.removeOrphan(service, timeoutSeconds);
    if (containers.includes(service)) await this.containers.removeOrphan(service, timeoutSeconds);
  }

  inspect(service: string): Promise<ContainerInfo | undefined> {
    return this.of(service).inspect(service);
  }

  async inspectAll(): Promise<Map<string, ContainerInfo>> {
    const [a, b] = await Promise.all([this.containers.inspectAll(), this.processes.inspectAll()]);
    return new Map([...a, ...b]);
  }

  start(service: string): Promise<void> {
    return this.of(service).start(service);
  }

  stop(service: string, timeoutSeconds: number): Promise<void> {
    return this.of(service).stop(service, timeoutSeconds);
  }

  /** Host processes first: they are usually the containers' clients. */
  async down(options: { volumes: boolean }): Promise<void> {
    await this.processes.down();
    await this.containers.down(options);
  }

  logs(service: string, tail: number): Promise<string[]> {
    return this.of(service).logs(service, tail);
  }

  output(service: string): Promise<string[]> {
    return this.of(service).output(service);
  }

  exec(service: string, command: string[], signal: AbortSignal): Promise<{ exitCode: number; output: string }> {
    return this.of(service).exec(service, command, signal);
  }

  endpoint(service: string, containerPort: number): Promise<Endpoint> {
    return this.of(service).endpoint(service, containerPort);
  }

  /** Both streams as one; it ends (or throws) when the engine's does, as the supervisor expects. */
  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    const stop = new AbortController();
    const both = AbortSignal.any([signal, stop.signal]);
    const queue: RuntimeEvent[] = [];
    let wake: (() => void) | undefined;
    let ended: { error?: unknown } | undefined;
    const pump = async (source: AsyncIterable<RuntimeEvent>, endsAll: boolean) => {
      try {
        for await (const e of source) {
          queue.push(e);
          wake?.();
        }
        if (endsAll) ended ??= {};
      } catch (error) {
        if (endsAll) ended ??= { error };
      }
      wake?.();
    };
    void pump(this.containers.events(both), true);
    void pump(this.processes.events(both), false);
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (ended) {
          if (ended.error !== undefined) throw ended.error;
          return;
        }
        if (signal.aborted) return;
        await new Promise<void>((r) => {
          wake = r;
          signal.addEventListener('abort', () => r(), { once: true });
        });
        wake = undefined;
      }
    } finally {
      stop.abort();
    }
  }

  unpause(service: string): Promise<void> {
    return this.of(service).unpause(service);
  }

  streamLogs(service: string, options: { tail: number; follow: boolean }, out: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
    return this.of(service).streamLogs(service, options, out, signal);
  }
}
