/**
 * `stack up`, `up --watch` and `up --detach`. All three take the stack through the session (session/acquire):
 * when another run holds it (an IDE hook, another terminal, a supervisor), they say who, follow that run and
 * join it instead of starting a duplicate.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { missingSecrets } from '../../config/loader.js';
import { ConfigError, GateFailedError, StackError, UsageError, type StackErrorCode } from '../../core/errors.js';
import type { ErrorSummary, Strategy } from '../../core/events.js';
import { isFine, status, type StackStatus } from '../../engine/status.js';
import { liveStatus } from '../live-status.js';
import { assertPreflight } from '../../preflight/preflight.js';
import { systemHost } from '../../preflight/host.js';
import { formatMachineProblem } from '../../report/problems.js';
import { up, type UpResult } from '../../engine/up.js';
import { selectServices } from '../../graph/plan.js';
import { JsonRenderer } from '../../report/json-renderer.js';
import { PlainRenderer } from '../../report/plain-renderer.js';
import { acquire, supervisorMarker } from '../../session/acquire.js';
import type { Supervision, SupervisionDeps } from '../../session/supervise.js';
import type { JournalRecord } from '../../state/journal.js';
import { ensurePrivateDir } from '../../state/private-files.js';
import { readReadyTimes, recordReadyTimes } from '../../state/ready-times.js';
import { describeOwner, liveOwner, type Owner } from '../../state/lock.js';
import { profileOf, load, type GlobalOptions } from '../context.js';
import { rendererFor } from '../wiring.js';
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
  rerunJobs?: boolean;
  keepOrphans?: boolean;
  dryRun?: boolean;
}

export async function upCommand(named: string[], flags: UpFlags, opts: GlobalOptions, io: CliIo): Promise<void> {
  if (flags.watch && flags.detach)
    throw new UsageError('--watch and --detach exclude each other', 'Use --watch to supervise in this terminal, --detach to supervise in the background.');
  const ctx = stackContext(opts, io);
  const services = withProfile(ctx.spec, named, profileOf(opts, ctx.spec));
  // A missing secret would only show up as a probe failing until its deadline: refuse now instead.
  const missing = missingSecrets(ctx.loaded.warnings);
  if (missing.length) throw new ConfigError(missing);
  const { unknown } = selectServices(ctx.spec.services, services);
  if (unknown.length) throw unknownServices(unknown, Object.keys(ctx.spec.services));
  const timing = waitTimeout(flags);
  // Already supervised with this stack.yaml: the supervisor's live state answers, without loading the engine client.
  const owner = liveOwner(ctx.paths);
  const live = await liveStatus(ctx, owner);
  if (live && owner) return reportJoined(ctx, owner, services, opts, io, live);
  await ctx.runtime.ping(); // an unreachable engine fails before anything is locked, written or announced
  // What the machine cannot give (a taken port, no disk, too little memory, an image nowhere): refused now, all at once.
  const { selected } = selectServices(ctx.spec.services, services);
  for (const w of await assertPreflight({ spec: ctx.spec, runtime: ctx.runtime, host: systemHost }, selected))
    io.stderr.write(`${formatMachineProblem('!', w)}\n`);
  if (flags.detach) return detach(ctx, services, flags, opts, io);

  const got = await waitOrJoin(ctx, `stack up${flags.watch ? ' --watch' : ''}`, opts, io);
  if (got.joined) return reportJoined(ctx, got.joined, services, opts, io);
  const lock = got.lock;
  const renderer = await rendererFor(opts, io);
  let supervision: Supervision | undefined;
  try {
    // The supervisor's endpoints are bound first: a taken port fails now, before anything starts.
    // Supervision (its webhook client and metrics registry) is loaded only when asked for: a plain `up` never pays for it.
    if (flags.watch) {
      const { openSupervision } = await import('../../session/supervise.js');
      supervision = await openSupervision(supervisionDeps(ctx, emitTo(ctx.journal, renderer), opts, io), lock, services);
    }
    const emit = supervision?.emit ?? emitTo(ctx.journal, renderer);
    const controller = new AbortController();
    let interrupts = 0;
    let uninstall = io.onInterrupt(() => {
      if (++interrupts > 1) {
        io.stderr.write('\nforced exit: containers are left as they are; run `stack status` to see them\n');
        io.exit(EXIT.INTERRUPTED);
      }
      io.stderr.write('\ninterrupted: stopping probes (Ctrl-C again to force)…\n');
      controller.abort(new Error('interrupted'));
    });
    let result: UpResult;
    try {
      const expectedReadyMs = readReadyTimes(ctx.paths);
      result = await up(
        { spec: ctx.spec, runtime: ctx.runtime, clock: io.clock, emit },
        {
          services,
          strategy: flags.strategy,
          signal: controller.signal,
          expectedReadyMs,
          rerunJobs: flags.rerunJobs === true,
          keepOrphans: flags.keepOrphans === true,
          ...timing,
        },
      );
      recordReadyTimes(ctx.paths, result.outcome, expectedReadyMs);
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
    if (!supervision) return;
    // --watch: supervise here until Ctrl-C, which stops the supervisor and leaves the services running.
    const stop = new AbortController();
    uninstall = io.onInterrupt(() => stop.abort());
    try {
      await supervision.run(stop.signal, result);
    } finally {
      uninstall();
    }
  } finally {
    await supervision?.close();
    await lock.release();
  }
}

export function supervisionDeps(ctx: StackContext, emit: SupervisionDeps['emit'], opts: GlobalOptions, io: CliIo): SupervisionDeps {
  const metricsAddr = ctx.spec.env['STACK_METRICS_ADDR'] || ctx.spec.metricsAddr;
  return {
    spec: ctx.spec,
    runtime: ctx.runtime,
    paths: ctx.paths,
    clock: io.clock,
    emit,
    ...(metricsAddr ? { metricsAddr } : {}),
    reload: () => load(opts, io).spec,
  };
}

/** The session's lock, or the supervisor to join; while another run holds it, its journal is shown. */
async function waitOrJoin(ctx: StackContext, command: string, opts: GlobalOptions, io: CliIo) {
  const renderer = opts.json ? undefined : new PlainRenderer(io.stderr);
  const following = new AbortController();
  const stop = new AbortController();
  const uninstall = io.onInterrupt(() => stop.abort());
  let follow: Promise<void> | undefined;
  try {
    return await acquire(ctx.session, command, 'up', {
      join: true,
      signal: stop.signal,
      onWait: (owner) => {
        io.stderr.write(
          `${describeOwner(owner)} is already bringing up or supervising ${ctx.spec.name}; following it instead of starting a second run (Ctrl-C stops following)\n`,
        );
        follow = ctx.journal.follow(ctx.journal.size(), (r) => renderer?.onEvent(r), following.signal, io.clock);
      },
    });
  } finally {
    uninstall();
    following.abort();
    await follow;
  }
}

/** Joined a supervised stack: fine when the services asked for are healthy now. */
async function reportJoined(ctx: StackContext, supervisor: Owner, services: string[], opts: GlobalOptions, io: CliIo, live?: StackStatus): Promise<void> {
  const { selected } = selectServices(ctx.spec.services, services);
  const now = live ?? (await status({ spec: ctx.spec, runtime: ctx.runtime, clock: io.clock }));
  const bad = now.services.filter((s) => selected.includes(s.name) && !isFine(s.health));
  if (bad.length) {
    throw new GateFailedError(
      `${ctx.spec.name} is supervised by pid ${supervisor.pid} but not healthy now: ${bad.map((s) => `${s.name} (${s.state}, ${s.health})`).join(', ')}`,
      [],
    );
  }
  if (opts.json) io.stdout.write(`${JSON.stringify({ ok: true, joined: { pid: supervisor.pid, command: supervisor.command }, services: now.services })}\n`);
  else
    io.stdout.write(
      `✔ joined: ${ctx.spec.name} is up and supervised by pid ${supervisor.pid} (\`${supervisor.command}\`); all ${selected.length} services healthy${live ? " (the supervisor's live state)" : ''}\n`,
    );
}

/** Starts the background supervisor and follows its journal until the stack is up (or not). */
async function detach(ctx: StackContext, services: string[], flags: UpFlags, opts: GlobalOptions, io: CliIo): Promise<void> {
  for (let round = 0; ; round++) {
    const got = await waitOrJoin(ctx, 'stack up --detach', opts, io);
    if (got.joined) return reportJoined(ctx, got.joined, services, opts, io);
    await got.lock.release(); // the child takes it; if another run is faster, the child says so and we join that
    const outcome = await startSupervisor(ctx, services, flags, opts, io);
    if (outcome === 'lock-lost' && round === 0) continue;
    if (outcome === 'lock-lost')
      throw new StackError('BUSY', `another run took ${ctx.spec.name} twice in a row`, 'Run `stack status` to see who supervises it.');
    return;
  }
}

/**
 * A small young generation: the supervisor allocates little per tick, and V8's default (16 MiB semi-spaces)
 * only lets garbage pile up in a process that lives for days (measured in the benchmark's soak).
 */
export const SUPERVISOR_NODE_FLAGS = ['--max-semi-space-size=1'];

async function startSupervisor(ctx: StackContext, services: string[], flags: UpFlags, opts: GlobalOptions, io: CliIo): Promise<'lock-lost' | void> {
  const renderer = await rendererFor(opts, io);
  const from = ctx.journal.size();
  ensurePrivateDir(ctx.paths.dir);
  const log = openSync(ctx.paths.supervisorLog, 'a', 0o600);
  const args = [
    fileURLToPath(new URL('../main.js', import.meta.url)),
    '-f',
    ctx.spec.file,
    ...(opts.composeFile ?? []).flatMap((f) => ['--compose-file', f]),
    ...(opts.target ? ['--target', opts.target] : []),
    'supervise',
    ...services,
    '--strategy',
    flags.strategy,
    ...(flags.waitTimeout ? ['--wait-timeout', flags.waitTimeout] : []),
    ...(flags.rerunJobs ? ['--rerun-jobs'] : []),
    ...supervisorMarker(ctx.paths), // lets `stack down` find it even without state files
  ];
  const child = spawn(process.execPath, [...SUPERVISOR_NODE_FLAGS, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    cwd: io.cwd,
    env: { ...io.env } as NodeJS.ProcessEnv,
  });
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
    io.clock,
    50,
  );
  const uninstall = io.onInterrupt(() => {
    io.stderr.write('\ninterrupted: stopping the background supervisor…\n');
    child.kill('SIGTERM');
  });
  try {
    while (!supervising && exitCode === undefined && !done?.error) await io.clock.sleep(50);
    if (!supervising) await io.clock.sleep(150); // the journal's last lines
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
  if (exitCode === EXIT_LOCK_LOST) return 'lock-lost';
  const error = done?.error ? errorFrom(done.error) : supervisorDied(exitCode, ctx.paths.supervisorLog);
  if (renderer instanceof JsonRenderer) {
    io.stdout.write(`${JSON.stringify({ ...renderer.doc, error: errorJson(error) })}\n`);
    (error as { printed?: boolean }).printed = true;
  }
  throw error;
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
