/**
 * Supervision as the CLI runs it: in the foreground (`up --watch`) or as the detached child behind
 * `up --detach` (the hidden `supervise` command). The child holds the stack's lock for its whole life,
 * brings the stack up, then supervises; everything it does goes to the journal, which its parent follows.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { StackSpec } from '../../config/types.js';
import type { Emit, Strategy } from '../../core/events.js';
import { defaultProbeRunner } from '../../engine/gate.js';
import { up, type UpResult } from '../../engine/up.js';
import { ConfigError, StackError } from '../../core/errors.js';
import { selectServices } from '../../graph/plan.js';
import { startControlServer } from '../../healing/control-server.js';
import { Supervisor } from '../../healing/supervisor.js';
import { webhookNotifier } from '../../notify/webhook.js';
import { StackMetrics } from '../../report/metrics.js';
import { PlainRenderer } from '../../report/plain-renderer.js';
import { tryLock, type HeldLock } from '../../state/lock.js';
import { load, type GlobalOptions } from '../context.js';
import { clock } from '../wiring.js';
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
  upResult?: UpResult,
): Promise<void> {
  const { selected } = selectServices(ctx.spec.services, services);
  const url = webhookUrl(ctx.spec);
  const metrics = new StackMetrics(ctx.spec.name, selected);
  if (upResult) metrics.seedReady(upResult.outcome);
  const observed: Emit = (e) => {
    metrics.onEvent(e);
    emit(e);
  };
  const supervisor = new Supervisor(
    {
      spec: ctx.spec,
      runtime: ctx.runtime,
      clock,
      emit: observed,
      probeRunner: defaultProbeRunner,
      ...(url ? { notify: webhookNotifier({ url, stack: ctx.spec.name, emit: observed }) } : {}),
    },
    selected,
  );
  const serveMetrics: http.RequestListener = (_req, res) => {
    metrics.registry.metrics().then((text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text));
  };
  const control = await startControlServer(supervisor, { 'GET /metrics': serveMetrics });
  const metricsAddr = io.env['STACK_METRICS_ADDR'] || ctx.spec.metricsAddr;
  const metricsServer = metricsAddr ? await listen(metricsAddr, serveMetrics) : undefined;
  lock.update({ phase: 'supervising', controlPort: control.port, metrics: metricsAddr ?? `127.0.0.1:${control.port}` });
  const stopWatching = watchConfig(ctx.spec, opts, io, (spec) => supervisor.reload(spec), observed);
  try {
    await supervisor.run(signal);
  } finally {
    stopWatching();
    await control.close();
    metricsServer?.closeAllConnections();
    metricsServer?.close();
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
    let result: UpResult;
    try {
      result = await up(
        { spec: ctx.spec, runtime: ctx.runtime, clock, emit: emitTracking },
        { services, strategy: flags.strategy, signal: controller.signal, ...waitTimeout(flags) },
      );
    } catch (err) {
      // Failures before the scheduler finished (engine unreachable…) still reach the waiting parent.
      if (!sawDone && err instanceof StackError) {
        emit({
          type: 'done',
          at: Date.now(),
          ok: false,
          durationMs: 0,
          outcome: {},
          error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) },
        });
      }
      throw err;
    }
    await superviseStack(ctx, services, attempt.lock, emit, controller.signal, opts, io, result);
    return 0;
  } finally {
    uninstall();
    await attempt.lock.release();
  }
}

/** A metrics listener on HOST:PORT; a taken port is a clear error, not a crash of the supervisor. */
async function listen(addr: string, handler: http.RequestListener): Promise<http.Server> {
  const cut = addr.lastIndexOf(':');
  const host = addr.slice(0, cut).replace(/^\[|\]$/g, '');
  const port = Number(addr.slice(cut + 1));
  const server = http.createServer((req, res) => (req.url?.startsWith('/metrics') ? handler(req, res) : res.writeHead(404).end()));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new StackError(
          'START_FAILED',
          `the supervisor cannot serve metrics on ${addr}: ${err.code ?? err.message}`,
          'Free that port or change supervisor.metrics in stack.yaml (or STACK_METRICS_ADDR).',
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  return server;
}
