/**
 * Host processes (`command:` in stack.yaml) behind the same Runtime interface as containers, so `up`, the
 * gate, `status`, `down`, `restart` and the supervisor treat both alike.
 *
 * - Each process starts detached, in its own process group (POSIX) and outside the starter's job object
 *   (Windows): it outlives the `stack` process that started it, as a container outlives `docker start`.
 *   `down` and restarts stop the whole tree (tree-kill.ts).
 * - stdout and stderr go straight to `<state>/logs/<service>.log` (rotated by copy-and-truncate).
 * - What runs is recorded per service (pid + the OS's start time for that pid, the definition it was started
 *   with, where its output starts in the log): any later `stack` process (status, down, a new supervisor)
 *   finds it again, and a pid that was reused by another program is never taken for it.
 * - The exit code is known when a `stack` process was its parent when it exited (`up` for a job, the
 *   supervisor for what it restarted); otherwise it is reported as unknown (-1).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { StartFailedError, UsageError } from '../../core/errors.js';
import { endpointRefs, interpolateAll } from '../../config/interpolate.js';
import { parseEnv } from 'node:util';
import type { ProcessSpec } from '../../config/types.js';
import type { Endpoint } from '../../probes/types.js';
import type { ContainerInfo, CreateOptions, CreateReport, EngineFacts, Replacement, Runtime, RuntimeEvent, ServiceNeeds } from '../types.js';
import { linesFrom, readFrom, rotateIfLarge, sizeOf } from './log-file.js';
import { processStartTime, procStartTimeEvenZombie, procStartTimeSync } from './start-time.js';
import { exists, killTree } from './tree-kill.js';

export interface ProcessRecord {
  pid: number;
  /** The OS's start time of `pid` (start-time.ts): pid + start time name this process and no other. */
  startTime: string;
  startedAt: string;
  /** Digest of the definition it was started with (command, cwd, its own environment, ports). */
  definition: string;
  /** Where this run's output starts in the log file. */
  logOffset: number;
  /** Set when a `stack` process saw it exit: the exit code (128 + n for signal n). */
  exitCode?: number;
  signal?: string;
  finishedAt?: string;
}

/** Where records and logs live: private files in the stack's state directory, passed in by the session. */
export interface ProcessStore {
  /** The service's log file. With `forWriting`, its directory is made (private) first: reading leaves no trace. */
  logFile(service: string, forWriting?: boolean): string;
  read(service: string): ProcessRecord | undefined;
  /** Every service with a record. */
  list(): string[];
  write(service: string, record: ProcessRecord): void;
  remove(service: string): void;
}

export interface ProcessRuntimeOptions {
  processes: Readonly<Record<string, ProcessSpec>>;
  /** The stack's environment (process environment over env files): every process inherits it. */
  env: Readonly<Record<string, string>>;
  store: ProcessStore;
  platform?: NodeJS.Platform;
  /** How often `events` looks for processes that ended while no stack process was their parent. */
  pollMs?: number;
  /** Where another service of the stack listens for a container port (for `${SERVICE.port:N}` in env). */
  resolve?: (service: string, port: number) => Promise<Endpoint>;
}

/** A process that dies without a stack parent: its exit code is not known. */
export const UNKNOWN_EXIT = -1;

const exitCodeOf = (code: number | null, signal: NodeJS.Signals | null): number =>
  code ?? (signal ? 128 + ((constants.signals as Record<string, number>)[signal] ?? 0) : UNKNOWN_EXIT);

export class ProcessRuntime implements Runtime {
  private readonly children = new Map<string, ChildProcess>();
  /** Settles when a child of ours has exited and its exit is recorded. */
  private readonly exits = new Map<string, Promise<void>>();
  /** `${pid}:${startTime}` already checked against the OS, per service. */
  private readonly verified = new Map<string, string>();
  private readonly listeners = new Set<(e: RuntimeEvent) => void>();
  private readonly platform: NodeJS.Platform;

  constructor(private readonly o: ProcessRuntimeOptions) {
    this.platform = o.platform ?? process.platform;
  }

  has(service: string): boolean {
    return service in this.o.processes;
  }

  /** Nothing to reach: the processes run here. */
  async ping(): Promise<void> {}

  /** A process is never paused by stack. */
  async unpause(): Promise<void> {}

  private spec(service: string): ProcessSpec {
    const spec = this.o.processes[service];
    if (!spec) throw new UsageError(`${service} is not a host process of this stack`);
    return spec;
  }

  /**
   * The process's own variables: its env files, then its `env:` entries resolved against the stack's
   * environment and, with `refs`, the endpoints of the services it names (`${redis.port:6379}`).
   */
  private ownEnv(service: string, refs?: Readonly<Record<string, string>>): Record<string, string> {
    const spec = this.spec(service);
    const fromFiles: Record<string, string> = {};
    for (const f of spec.envFiles) {
      try {
        Object.assign(fromFiles, parseEnv(readFileSync(f, 'utf8')));
      } catch (err) {
        throw new StartFailedError(`${service}: cannot read its env file ${f}: ${(err as Error).message}`, 'Create the file or fix env_file in stack.yaml.');
      }
    }
    const { env, problems } = interpolateAll(spec.env, this.o.env, refs);
    if (problems.length > 0)
      throw new StartFailedError(
        `${service}: env.${problems[0]!.key} ${problems[0]!.message}`,
        'Set the variable in the environment or the env file, or give a default: ${VAR:-value}.',
      );
    return { ...fromFiles, ...env };
  }

  /**
   * Whether the process group named by the record is still ours to signal: its leader is the recorded process
   * (alive, or a zombie nobody reaped), or no process has that pid any more — then whatever is left in the group
   * is our leftovers, since the OS does not hand out a pid still in use as a group id. A pid now held by another
   * program means the whole group is long gone: nothing is signalled.
   */
  private async ownsGroup(service: string, record: ProcessRecord): Promise<boolean> {
    if (await this.alive(service, record)) return true;
    if (!exists(record.pid)) return true;
    return this.platform === 'linux' && procStartTimeEvenZombie(record.pid) === record.startTime;
  }

  private async killGroup(service: string, record: ProcessRecord, graceMs: number): Promise<void> {
    if (await this.ownsGroup(service, record)) await killTree(record.pid, { graceMs, platform: this.platform });
  }

  /** What the process runs with: the stack's environment, then its own (endpoints resolved now). */
  private async environment(service: string): Promise<Record<string, string>> {
    return { ...this.o.env, ...this.ownEnv(service, await this.refs(service)) };
  }

  /** Where the services this process names in its env can be reached now (their published ports). */
  private async refs(service: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    const resolve = this.o.resolve ?? ((_s: string, port: number) => Promise.resolve({ host: '127.0.0.1', port }));
    for (const template of Object.values(this.spec(service).env)) {
      for (const ref of endpointRefs(template)) {
        if (ref.text in out) continue;
        try {
          const at = await resolve(ref.service, ref.port);
          out[ref.text] = ref.what === 'host' ? at.host : String(at.port);
        } catch (err) {
          throw new StartFailedError(
            `${service}: ${ref.text}: ${(err as Error).message}`,
            `Start ${ref.service} first (it is a dependency) and publish its port ${ref.port}.`,
          );
        }
      }
    }
    return out;
  }

  /**
   * Digest of everything that makes a run of the process what it is; a change means "recreate" (and a job runs
   * again). Endpoint references count as written: a dependency's new random port alone does not recreate.
   */
  definition(service: string): string {
    const spec = this.spec(service);
    let own: Record<string, string>;
    try {
      own = this.ownEnv(service);
    } catch {
      own = { unresolved: JSON.stringify(spec.env) };
    }
    const env = Object.fromEntries(Object.entries(own).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return createHash('sha256')
      .update(JSON.stringify({ command: spec.command, cwd: spec.cwd, env, ports: spec.ports }))
      .digest('hex');
  }

  private alive(service: string, record: ProcessRecord): Promise<boolean> | boolean {
    if (this.platform === 'linux') return procStartTimeSync(record.pid) === record.startTime && record.startTime !== '';
    if (!exists(record.pid)) return false;
    const key = `${record.pid}:${record.startTime}`;
    if (this.verified.get(service) === key) return true;
    return processStartTime(record.pid, this.platform).then((now) => {
      const same = now !== undefined && now === record.startTime;
      if (same) this.verified.set(service, key);
      return same;
    });
  }

  /**
   * Nothing to create for a process; a stopped process whose definition changed loses its record (so a job
   * runs again), a running one is stopped first (as compose recreates a changed container).
   */
  async create(services: readonly string[], options: CreateOptions = {}): Promise<CreateReport[]> {
    const reports = await this.preview(services);
    for (const r of reports) {
      if (r.action === 'recreated') await this.replace(r.service);
      options.onCreated?.(r.service);
    }
    return reports;
  }

  async preview(services: readonly string[]): Promise<CreateReport[]> {
    return services.map((service): CreateReport => {
      const record = this.o.store.read(service);
      if (!record) return { service, via: 'process', action: 'created' };
      if (record.definition === this.definition(service)) return { service, via: 'process', action: 'kept' };
      return { service, via: 'process', action: 'recreated', reason: 'its definition changed' };
    });
  }

  /** A process has no container to keep aside: the old run is stopped and forgotten; there is nothing to roll back to. */
  async replace(service: string): Promise<Replacement> {
    const record = this.o.store.read(service);
    if (record && (await this.alive(service, record))) await this.stop(service, 10);
    this.o.store.remove(service);
    const noop = async () => {};
    return { reason: 'its definition changed', canRollBack: false, commit: noop, rollback: noop };
  }

  /** A process's `ports` are host ports it will listen on. */
  async needs(services: readonly string[]): Promise<ServiceNeeds[]> {
    return Promise.all(
      services.map(async (service) => {
        const record = this.o.store.read(service);
        return {
          service,
          running: record !== undefined && (await this.alive(service, record)),
          hostPorts: this.spec(service).ports.map((port) => ({ ip: '', port, protocol: 'tcp' })),
        };
      }),
    );
  }

  /** Processes run here: the engine's facts are the container side's. */
  async engineFacts(): Promise<EngineFacts> {
    return {};
  }

  /** Records of processes the stack no longer defines (a service taken out of stack.yaml). */
  async orphans(): Promise<string[]> {
    return this.o.store.list().filter((s) => !this.has(s));
  }

  async removeOrphan(service: string, timeoutSeconds: number): Promise<void> {
    const record = this.o.store.read(service);
    if (record) await this.killGroup(service, record, timeoutSeconds * 1000);
    this.o.store.remove(service);
  }

  async inspect(service: string): Promise<ContainerInfo | undefined> {
    let record = this.o.store.read(service);
    if (!record) return undefined;
    const running = await this.alive(service, record);
    // A child of ours that just ended: its exit code is moments away (Node reaps it on SIGCHLD). The wait keeps
    // the event loop alive: the child's handle is unref'd, and with nothing else pending Node would end the
    // process right here, before the exit is reaped (an `up` waiting for a job then ended silently).
    if (!running && record.exitCode === undefined && this.exits.has(service)) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.exits.get(service), new Promise((r) => (timer = setTimeout(r, 2_000)))]);
      clearTimeout(timer);
      record = this.o.store.read(service) ?? record;
    }
    return {
      id: String(record.pid),
      name: service,
      service,
      state: running ? 'running' : 'exited',
      exitCode: running ? 0 : (record.exitCode ?? UNKNOWN_EXIT),
      oomKilled: false,
      restartCount: 0,
      startedAt: record.startedAt,
      ports: this.spec(service).ports.map((p) => ({ containerPort: p, hostPort: p, hostIp: '127.0.0.1', protocol: 'tcp' })),
    };
  }

  async inspectAll(): Promise<Map<string, ContainerInfo>> {
    const out = new Map<string, ContainerInfo>();
    await Promise.all(
      [...new Set([...Object.keys(this.o.processes), ...this.o.store.list()])].map(async (s) => {
        const info = await this.inspect(s);
        if (info) out.set(s, info);
      }),
    );
    return out;
  }

  async start(service: string): Promise<void> {
    const spec = this.spec(service);
    const previous = this.o.store.read(service);
    // Whatever is left of an earlier run (a daemonized child, a dead leader's group) goes first.
    if (previous) await this.killGroup(service, previous, 2_000);
    const env = await this.environment(service);
    const log = this.o.store.logFile(service, true);
    rotateIfLarge(log);
    const shown = typeof spec.command === 'string' ? spec.command : spec.command.join(' ');
    appendFileSync(log, `--- ${new Date().toISOString()} stack starts ${service}: ${shown}\n`, { mode: 0o600 });
    const logOffset = sizeOf(log);
    const fd = openSync(log, 'a', 0o600);
    let child: ChildProcess;
    try {
      const [file, args] = typeof spec.command === 'string' ? [spec.command, []] : [spec.command[0]!, spec.command.slice(1)];
      child = spawn(file, args, {
        cwd: spec.cwd,
        env,
        detached: true,
        shell: typeof spec.command === 'string',
        stdio: ['ignore', fd, fd],
        windowsHide: true,
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      appendFileSync(log, `--- stack could not start it: ${e.message}\n`);
      throw new StartFailedError(
        `could not start ${service}: ${e.code === 'ENOENT' ? `${typeof spec.command === 'string' ? 'the shell' : spec.command[0]} was not found` : e.message}`,
        'Check command and cwd in stack.yaml (`stack validate` checks that the program is on PATH).',
        [],
        err,
      );
    } finally {
      closeSync(fd);
    }
    const pid = child.pid!;
    const startTime = (await processStartTime(pid, this.platform)) ?? '';
    const record: ProcessRecord = { pid, startTime, startedAt: new Date().toISOString(), definition: this.definition(service), logOffset };
    this.children.set(service, child);
    let exited: Pick<ProcessRecord, 'exitCode' | 'signal' | 'finishedAt'> | undefined;
    let recorded!: () => void;
    this.exits.set(service, new Promise<void>((r) => (recorded = r)));
    child.once('exit', (code, signal) => {
      exited = { exitCode: exitCodeOf(code, signal), ...(signal ? { signal } : {}), finishedAt: new Date().toISOString() };
      if (this.children.get(service) === child) this.children.delete(service);
      const current = this.o.store.read(service);
      if (current?.pid === pid) this.o.store.write(service, { ...current, ...exited });
      recorded();
      const timeNano = BigInt(Date.now()) * 1_000_000n;
      if (signal) this.tell({ service, containerId: String(pid), action: 'kill', signal, timeNano });
      this.tell({ service, containerId: String(pid), action: 'die', exitCode: exited.exitCode!, timeNano });
    });
    child.unref();
    this.o.store.write(service, { ...record, ...exited });
    this.verified.set(service, `${pid}:${startTime}`);
    this.tell({ service, containerId: String(pid), action: 'start', timeNano: BigInt(Date.now()) * 1_000_000n });
  }

  /** SIGTERM to the whole tree, SIGKILL after `timeoutSeconds`; the record stays (status shows it exited). */
  async stop(service: string, timeoutSeconds: number): Promise<void> {
    const record = this.o.store.read(service);
    if (!record || !(await this.alive(service, record))) {
      if (record) await this.killGroup(service, record, 0); // leftovers of a dead leader
      return;
    }
    const child = this.children.get(service);
    const ended = child ? new Promise<void>((r) => child.once('exit', () => r())) : undefined;
    await killTree(record.pid, { graceMs: timeoutSeconds * 1000, platform: this.platform });
    await ended; // the exit code is recorded before stop returns
    const after = this.o.store.read(service);
    if (after && after.exitCode === undefined) this.o.store.write(service, { ...after, finishedAt: new Date().toISOString() });
    this.tell({ service, containerId: String(record.pid), action: 'stop', timeNano: BigInt(Date.now()) * 1_000_000n });
  }

  /** To whoever listens to `events` in this process: as the engine reports a container's start and stop. */
  private tell(e: RuntimeEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Stops every process of the stack (and any it no longer defines) and forgets them (and so every completed job). */
  async down(): Promise<void> {
    await Promise.all(
      [...new Set([...Object.keys(this.o.processes), ...this.o.store.list()])].map(async (s) => {
        const record = this.o.store.read(s);
        if (record) await this.killGroup(s, record, 10_000);
        this.o.store.remove(s);
      }),
    );
  }

  async logs(service: string, tail: number): Promise<string[]> {
    const record = this.o.store.read(service);
    return record ? linesFrom(this.o.store.logFile(service), record.logOffset, tail).filter((l) => l.length > 0) : [];
  }

  async output(service: string): Promise<string[]> {
    const record = this.o.store.read(service);
    return record ? linesFrom(this.o.store.logFile(service), record.logOffset) : [];
  }

  /** Runs on the host, in the process's directory and environment (an `exec` probe of a process). */
  async exec(service: string, command: string[], signal: AbortSignal): Promise<{ exitCode: number; output: string }> {
    const spec = this.spec(service);
    const env = await this.environment(service);
    return new Promise((resolve) => {
      execFile(command[0]!, command.slice(1), { cwd: spec.cwd, env, signal, windowsHide: true, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
        const exitCode = !e ? 0 : typeof e.code === 'number' ? e.code : 127;
        resolve({ exitCode, output: `${stdout}${stderr}`.trim() || (e && typeof e.code !== 'number' ? e.message : '') });
      });
    });
  }

  /** A process listens on the host: its port is the port. */
  async endpoint(_service: string, port: number): Promise<Endpoint> {
    return { host: '127.0.0.1', port };
  }

  /**
   * Exits of the processes this `stack` process started, as they happen (with the exit code), and of those it
   * did not start, found by looking every pollMs (exit code unknown); log rotation rides along.
   */
  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    const queue: RuntimeEvent[] = [];
    let wake: (() => void) | undefined;
    const push = (e: RuntimeEvent) => {
      queue.push(e);
      wake?.();
    };
    this.listeners.add(push);
    const reported = new Set<number>();
    let polls = 0;
    // A recorded process that is gone although nobody stopped it (a stop sets finishedAt) and no exit of ours
    // covered it (a child's exit records its code): it died where no stack process could see it.
    const poll = async () => {
      for (const service of Object.keys(this.o.processes)) {
        const record = this.o.store.read(service);
        if (!record) continue;
        const up = await this.alive(service, record);
        if (up && ++polls % 20 === 0) rotateIfLarge(this.o.store.logFile(service));
        if (up || reported.has(record.pid) || record.exitCode !== undefined || record.finishedAt !== undefined || this.children.has(service)) continue;
        reported.add(record.pid);
        push({ service, containerId: String(record.pid), action: 'die', exitCode: UNKNOWN_EXIT, timeNano: BigInt(Date.now()) * 1_000_000n });
      }
    };
    const timer = setInterval(() => void poll().catch(() => undefined), this.o.pollMs ?? 500);
    timer.unref();
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await poll();
      while (!signal.aborted) {
        if (queue.length === 0) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        while (queue.length > 0 && !signal.aborted) yield queue.shift()!;
      }
    } finally {
      clearInterval(timer);
      this.listeners.delete(push);
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** The log file as it is, then (with follow) what is appended, until `signal` aborts. */
  async streamLogs(service: string, options: { tail: number; follow: boolean }, out: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
    const file = this.o.store.logFile(service);
    const lines = linesFrom(file, 0, options.tail);
    if (lines.length > 0) out.write(`${lines.join('\n')}\n`);
    let offset = sizeOf(file);
    while (options.follow && !signal.aborted) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
      const { text, end } = readFrom(file, offset);
      if (text) out.write(text);
      offset = end;
    }
  }
}
