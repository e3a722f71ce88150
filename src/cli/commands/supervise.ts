/**
 * Supervision as the CLI runs it: in the foreground (`up --watch`) or as the detached child behind
 * `up --detach` (the hidden `supervise` command). The child holds the stack's lock for its whole life,
 * brings the stack up, then supervises; everything it does goes to the journal, which its parent follows.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { StackSpec } from '../../config/types.js';
import type { Emit, Strategy } from '../../engine/events.js';
import { defaultProbeRunner } from '../../engine/gate.js';
import { up } from '../../engine/up.js';
import { ConfigError, StackError } from '../../errors.js';
import { selectServices } from '../../graph/plan.js';
import { startControlServer } from '../../healing/control-server.js';
import { Supervisor } from '../../healing/supervisor.js';
import { webhookNotifier } from '../../notify/webhook.js';
import { PlainRenderer } from '../../report/plain-renderer.js';
import { tryLock, type HeldLock } from '../../state/lock.js';
import { clock, load, type GlobalOptions } from '../context.js';
import { EXIT_LOCK_LOST } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { emitTo, stackContext, type StackContext } from '../stack-context.js';
import { waitTimeout } from '../flags.js';

export function webhookUrl(spec: StackSpec): string | undefined {
  return spec.notify.webhookUrl ?? (spec.notify.webhookUrlEnv ? spec.env[spec.notify.webhookUrlEnv] : undefined);
}

/** Supervises the selected services until `signal` aborts; the lock is marked `supervising` meanwhile. */
export async function superviseStack(
  ctx: StackContext,
  services: readonly string[],
  lock: HeldLock,
  emit: Emit,
  signal: AbortSignal,
  opts: GlobalOptions,
  io: CliIo,
): Promise<void> {
  const { selected } = selectServices(ctx.spec.services, services);
  const url = webhookUrl(ctx.spec);
  const supervisor = new Supervisor(
    {
      spec: ctx.spec,
      runtime: ctx.runtime,
      clock,
      emit,
      probeRunner: defaultProbeRunner,
      ...(url ? { notify: webhookNotifier({ url, stack: ctx.spec.name, emit }) } : {}),
    },
    selected,
  );
  const control = await startControlServer(supervisor);
  lock.update({ phase: 'supervising', controlPort: control.port });
  const stopWatching = watchConfig(ctx.spec, opts, io, (spec) => supervisor.reload(spec), emit);
  try {
    await supervisor.run(signal);
  } finally {
    stopWatching();
    await control.close();
  }
}

/** Reloads stack.yaml when its content changes (an invalid edit is reported and ignored). */
function watchConfig(spec: StackSpec, opts: GlobalOptions, io: CliIo, reload: (spec: StackSpec) => void, emit: Emit): () => void {
  const hash = () => {
    try {
      return createHash('sha256').update(readFileSync(spec.file)).digest('hex');
    } catch {
      return '';
    }
  };
  let last = hash();
  const timer = setInterval(() => {
    const now = hash();
    if (now === last || now === '') return;
    last = now;
    try {
      reload(load(opts, io).spec);
    } catch (err) {
      const detail = err instanceof ConfigError ? `${err.problems.length} problem(s), first: ${err.problems[0]?.message}` : String(err);
      emit({ type: 'config', at: Date.now(), detail: `stack.yaml changed but is invalid (${detail}); keeping the previous policies` });
    }
  }, 2_000);
  timer.unref();
  return () => clearInterval(timer);
}

/** The detached child of `stack up --detach`. Its stdout is the supervisor log. */
export async function superviseChild(services: string[], flags: { strategy: Strategy; waitTimeout?: string }, opts: GlobalOptions, io: CliIo): Promise<number> {
  const ctx = stackContext(opts, io);
  const attempt = await tryLock(ctx.paths, 'stack up --detach', 'up');
  if (!attempt.acquired) return EXIT_LOCK_LOST;
  const emit = emitTo(ctx.journal, new PlainRenderer(io.stdout));
  const controller = new AbortController();
  const uninstall = io.onInterrupt(() => controller.abort(new Error('stopped')));
  let sawDone = false;
  const emitTracking: Emit = (e) => {
    if (e.type === 'done') sawDone = true;
    emit(e);
  };
  try {
    try {
      await up({ spec: ctx.spec, runtime: ctx.runtime, clock, emit: emitTracking }, { services, strategy: flags.strategy, signal: controller.signal, ...waitTimeout(flags) });
    } catch (err) {
      // Failures before the scheduler finished (engine unreachable…) still reach the waiting parent.
      if (!sawDone && err instanceof StackError) {
        emit({ type: 'done', at: Date.now(), ok: false, durationMs: 0, outcome: {}, error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } });
      }
      throw err;
    }
    await superviseStack(ctx, services, attempt.lock, emit, controller.signal, opts, io);
    return 0;
  } finally {
    uninstall();
    await attempt.lock.release();
  }
}
