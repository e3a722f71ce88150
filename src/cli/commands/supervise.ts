/**
 * The detached child behind `up --detach` (the hidden `supervise` command). It holds the stack's lock for its
 * whole life: binds the supervisor's endpoints, brings the stack up, then supervises. Everything it does goes
 * to the journal, which its parent follows; its stdout is the supervisor log.
 */
import { StackError } from '../../core/errors.js';
import type { Emit, Strategy } from '../../core/events.js';
import { up, type UpResult } from '../../engine/up.js';
import { PlainRenderer } from '../../report/plain-renderer.js';
import { openSupervision, type Supervision } from '../../session/supervise.js';
import { readReadyTimes, recordReadyTimes } from '../../state/ready-times.js';
import { tryLock } from '../../state/lock.js';
import type { GlobalOptions } from '../context.js';
import { EXIT_LOCK_LOST } from '../exit-codes.js';
import { waitTimeout } from '../flags.js';
import type { CliIo } from '../io.js';
import { emitTo, stackContext } from '../stack-context.js';
import { supervisionDeps } from './up.js';

export async function superviseChild(
  services: string[],
  flags: { strategy: Strategy; waitTimeout?: string; rerunJobs?: boolean },
  opts: GlobalOptions,
  io: CliIo,
): Promise<number> {
  const ctx = stackContext(opts, io);
  const attempt = await tryLock(ctx.paths, 'stack up --detach', 'up');
  if (!attempt.acquired) return EXIT_LOCK_LOST;
  const base = emitTo(ctx.journal, new PlainRenderer(io.stdout));
  const controller = new AbortController();
  const uninstall = io.onInterrupt(() => controller.abort(new Error('stopped')));
  let supervision: Supervision | undefined;
  let sawDone = false;
  const tracking =
    (emit: Emit): Emit =>
    (e) => {
      if (e.type === 'done') sawDone = true;
      emit(e);
    };
  try {
    let result: UpResult;
    try {
      supervision = await openSupervision(supervisionDeps(ctx, base, opts, io), attempt.lock, services);
      const expectedReadyMs = readReadyTimes(ctx.paths);
      result = await up(
        { spec: ctx.spec, runtime: ctx.runtime, clock: io.clock, emit: tracking(supervision.emit) },
        { services, strategy: flags.strategy, signal: controller.signal, expectedReadyMs, rerunJobs: flags.rerunJobs === true, ...waitTimeout(flags) },
      );
      recordReadyTimes(ctx.paths, result.outcome, expectedReadyMs);
    } catch (err) {
      // Failures before the scheduler finished (a port taken, the engine unreachable…) still reach the waiting parent.
      if (!sawDone && err instanceof StackError) {
        base({
          type: 'done',
          at: io.clock.now(),
          ok: false,
          durationMs: 0,
          outcome: {},
          error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) },
        });
      }
      throw err;
    }
    await supervision.run(controller.signal, result);
    return 0;
  } finally {
    uninstall();
    await supervision?.close();
    await attempt.lock.release();
  }
}
