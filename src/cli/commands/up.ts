/**
 * `stack up`, `up --watch` and `up --detach`. All three take the stack's lock first; when another run holds
 * it (an IDE hook, another terminal, a supervisor), they say who, follow that run and join it instead of
 * starting a duplicate.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { missingSecrets } from '../../config/loader.js';
import type { ErrorSummary, Strategy } from '../../core/events.js';
import { status } from '../../engine/status.js';
import { up, type UpResult } from '../../engine/up.js';
import { BusyError, ConfigError, GateFailedError, StackError, UsageError, type StackErrorCode } from '../../core/errors.js';
import { selectServices } from '../../graph/plan.js';
import { JsonRenderer } from '../../report/json-renderer.js';
import { PlainRenderer } from '../../report/plain-renderer.js';
import type { JournalRecord } from '../../state/journal.js';
import { alive, describeOwner, readOwner, tryLock, type Owner } from '../../state/lock.js';
import { profileOf, type GlobalOptions } from '../context.js';
import { clock, rendererFor } from '../wiring.js';
import { EXIT, EXIT_LOCK_LOST, errorJson } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { emitTo, stackContext, type StackContext } from '../stack-context.js';
import { unknownServices, waitTimeout, withProfile } from '../flags.js';

export interface UpFlags {
  strategy: Strategy;
  /** Seconds, from --wait-timeout. */
  waitTimeout?: string;
  watch?: boolean;
  detach?: boolean;
}

const JOIN_LIMIT_MS = 15 * 60_000;

export async function upCommand(named: string[], flags: UpFlags, opts: GlobalOptions, io: CliIo, joined = false): Promise<void> {
  if (flags.watch && flags.detach)
    throw new UsageError('--watch and --detach exclude each other', 'Use --watch to supervise in this terminal, --detach to supervise in the background.');
  const ctx = stackContext(opts, io);
  const services = withProfile(ctx.spec, named, profileOf(opts, io));
  // A missing secret would only show up as a probe failing until its deadline: refuse now instead.
  const missing = missingSecrets(ctx.loaded.warnings);
  if (missing.length) throw new ConfigError(missing);
  const { unknown } = selectServices(ctx.spec.services, services);
  if (unknown.length) throw unknownServices(unknown, Object.keys(ctx.spec.services));

  if (flags.detach) return detach(ctx, services, flags, opts, io, joined);
  const attempt = await tryLock(ctx.paths, commandLine(flags), 'up');
  if (!attempt.acquired) return join(ctx, attempt.owner, services, flags, opts, io, joined);
  const lock = attempt.lock;

  const renderer = rendererFor(opts, io);
  const emit = emitTo(ctx.journal, renderer);
  const controller = new AbortController();
  let interrupts = 0;
  let uninstall = io.onInterrupt(() => {
    if (++interrupts > 1) {
      io.stderr.write('\nforced exit: containers are left as they are; run `stack status` to see them\n');
      process.exit(EXIT.INTERRUPTED);
    }
    io.stderr.write('\ninterrupted: stopping probes (Ctrl-C again to force)…\n');
    controller.abort(new Error('interrupted'));
  });
  try {
    let result: UpResult;
    try {
      result = await up(
        { spec: ctx.spec, runtime: ctx.runtime, clock, emit },
        { services, strategy: flags.strategy, signal: controller.signal, ...waitTimeout(flags) },
      );
      await renderer.close();
      if (renderer instanceof JsonRenderer) io.stdout.write(`${JSON.stringify(renderer.doc)}\n`);
    } catch (err) {
      await renderer.close();
      if (renderer instanceof JsonRenderer) {
        io.stdout.write(`${JSON.stringify({ ...renderer.doc, error: errorJson(err) })}\n`);
        (err as { printed?: boolean }).printed = true;
      }
      throw err;
    } finally {
      uninstall();
    }
    if (!flags.watch) return;
    // --watch: supervise here until Ctrl-C, which stops the supervisor and leaves the services running.
    const stop = new AbortController();
    uninstall = io.onInterrupt(() => stop.abort());
    try {
      const { superviseStack } = await import('./supervise.js'); // only --watch pays for the supervisor's modules
      await superviseStack(ctx, services, lock, emit, stop.signal, opts, io, result);
    } finally {
      uninstall();
    }
  } finally {
    await lock.release();
  }
}

/** Starts the background supervisor and follows its journal until the stack is up (or not). */
async function detach(ctx: StackContext, services: string[], flags: UpFlags, opts: GlobalOptions, io: CliIo, joined: boolean): Promise<void> {
  const owner = readOwner(ctx.paths);
  if (owner && alive(owner.pid)) return join(ctx, owner, services, flags, opts, io, joined);
  const renderer = rendererFor(opts, io);
  const from = ctx.journal.size();
  const log = openSync(ctx.paths.supervisorLog, 'a');
  const cli = fileURLToPath(new URL('../main.js', import.meta.url));
  const args = [
    cli,
    '-f',
    ctx.spec.file,
    ...(opts.composeFile ?? []).flatMap((f) => ['--compose-file', f]),
    'supervise',
    ...services,
    '--strategy',
    flags.strategy,
    ...(flags.waitTimeout ? ['--wait-timeout', flags.waitTimeout] : []),
  ];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], cwd: io.cwd, env: { ...io.env } as NodeJS.ProcessEnv });
  closeSync(log);
  child.unref();
  let exitCode: number | null | undefined;
  child.once('exit', (code) => (exitCode = code ?? -1));

  let done: Extract<JournalRecord, { type: 'done' }> | undefined;
  let supervising = false;
  const following = new AbortController();
  const follow = ctx.journal.follow(
    from,
    (r) => {
      if (r.pid !== child.pid) return;
      renderer.onEvent(r);
      if (r.type === 'done') done = r;
      if (r.type === 'supervisor' && r.phase === 'started') supervising = true;
    },
    following.signal,
    50,
  );
  const uninstall = io.onInterrupt(() => {
    io.stderr.write('\ninterrupted: stopping the background supervisor…\n');
    child.kill('SIGTERM');
  });
  try {
    while (!supervising && exitCode === undefined) await new Promise((r) => setTimeout(r, 50));
    if (exitCode !== undefined) await new Promise((r) => setTimeout(r, 150)); // the journal's last lines
  } finally {
    uninstall();
    following.abort();
    await follow;
    await renderer.close();
  }
  if (supervising) {
    if (renderer instanceof JsonRenderer)
      io.stdout.write(`${JSON.stringify({ ...renderer.doc, supervisor: { pid: child.pid, log: ctx.paths.supervisorLog } })}\n`);
    else io.stdout.write(`✔ supervising in the background (pid ${child.pid}); \`stack down\` stops it; log: ${ctx.paths.supervisorLog}\n`);
    return;
  }
  if (exitCode === EXIT_LOCK_LOST) return join(ctx, readOwner(ctx.paths), services, flags, opts, io, joined);
  const error = done?.error ? errorFrom(done.error) : supervisorDied(exitCode, ctx.paths.supervisorLog);
  if (renderer instanceof JsonRenderer) {
    io.stdout.write(`${JSON.stringify({ ...renderer.doc, error: errorJson(error) })}\n`);
    (error as { printed?: boolean }).printed = true;
  }
  throw error;
}

/** Another run holds the lock: follow it, then return once it supervises a healthy stack, or take over when it ends. */
async function join(
  ctx: StackContext,
  owner: Owner | undefined,
  services: string[],
  flags: UpFlags,
  opts: GlobalOptions,
  io: CliIo,
  joined: boolean,
): Promise<void> {
  if (joined) throw new BusyError(`${describeOwner(owner)} still holds the lock for ${ctx.spec.name}`);
  io.stderr.write(
    `${describeOwner(owner)} is already bringing up or supervising ${ctx.spec.name}; following it instead of starting a second run (Ctrl-C stops following)\n`,
  );
  const renderer = opts.json ? undefined : new PlainRenderer(io.stderr);
  const following = new AbortController();
  const follow = ctx.journal.follow(ctx.journal.size(), (r) => renderer?.onEvent(r), following.signal);
  const stop = new AbortController();
  const uninstall = io.onInterrupt(() => stop.abort());
  const deadline = Date.now() + JOIN_LIMIT_MS;
  let outcome: 'supervised' | 'free' | 'waiting' = 'waiting';
  try {
    while (outcome === 'waiting' && !stop.signal.aborted && Date.now() < deadline) {
      const o = readOwner(ctx.paths);
      if (!o || !alive(o.pid)) outcome = 'free';
      else if (o.phase === 'supervising') outcome = 'supervised';
      else await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    uninstall();
    following.abort();
    await follow;
  }
  if (stop.signal.aborted) throw new StackError('INTERRUPTED', 'stopped following the other run; it goes on', 'Run `stack status` to see the stack.');
  if (outcome === 'waiting') throw new BusyError(`${describeOwner(owner)} has held the lock for ${ctx.spec.name} for 15 minutes`);
  if (outcome === 'free') return upCommand(services, flags, opts, io, true); // it ended: do our own (idempotent) up

  const supervisor = readOwner(ctx.paths)!;
  const { selected } = selectServices(ctx.spec.services, services);
  const now = await status({ spec: ctx.spec, runtime: ctx.runtime, clock });
  const bad = now.services.filter((s) => selected.includes(s.name) && s.health !== 'healthy' && s.health !== 'no-probe');
  if (bad.length) {
    throw new GateFailedError(
      `${ctx.spec.name} is supervised by pid ${supervisor.pid} but not healthy now: ${bad.map((s) => `${s.name} (${s.state}, ${s.health})`).join(', ')}`,
      [],
    );
  }
  if (opts.json) io.stdout.write(`${JSON.stringify({ ok: true, joined: { pid: supervisor.pid, command: supervisor.command }, services: now.services })}\n`);
  else
    io.stdout.write(
      `✔ joined: ${ctx.spec.name} is up and supervised by pid ${supervisor.pid} (\`${supervisor.command}\`); all ${selected.length} services healthy\n`,
    );
}

function commandLine(flags: UpFlags): string {
  return `stack up${flags.watch ? ' --watch' : ''}`;
}

function errorFrom(summary: ErrorSummary): StackError {
  return new StackError(summary.code as StackErrorCode, summary.message, summary.hint);
}

function supervisorDied(code: number | null | undefined, log: string): StackError {
  let tail = '';
  try {
    tail = readFileSync(log, 'utf8').trim().split('\n').slice(-5).join('\n  ');
  } catch {
    // no log to show
  }
  return new StackError('START_FAILED', `the background supervisor exited with code ${code} before the stack was up`, `Its log (${log}) ends with:\n  ${tail}`);
}
