/** `down`, `restart`, `status`, `events` and `logs`: the commands around a running (maybe supervised) stack. */
import { Writable } from 'node:stream';
import { formatDuration } from '../../config/duration.js';
import { GateFailedError, StackError, UsageError } from '../../core/errors.js';
import { down } from '../../engine/down.js';
import { defaultProbeRunner } from '../../engine/gate.js';
import { restartInOrder, restartService, type RestartResult } from '../../engine/restart.js';
import { isFine, status } from '../../engine/status.js';
import { liveStatus } from '../live-status.js';
import { callSupervisor } from '../../session/control-client.js';
import { journalLine, recordService } from '../../report/journal-lines.js';
import { malformedText, statusTable, supervisorText } from '../../report/status-table.js';
import { acquire, stopSupervisors } from '../../session/acquire.js';
import { HEALING_RECORDS, summarizeHealing, type HealSummary } from '../../state/heal-summary.js';
import type { JournalRecord } from '../../state/journal.js';
import { describeOwner, liveOwner } from '../../state/lock.js';
import { readToken } from '../../state/token.js';
import type { GlobalOptions } from '../context.js';
import { rendererFor } from '../wiring.js';
import { unknownServices } from '../flags.js';
import type { CliIo } from '../io.js';
import { emitTo, stackContext, type StackContext } from '../stack-context.js';

export async function downCommand(o: { volumes?: boolean; timeout: number }, opts: GlobalOptions, io: CliIo): Promise<void> {
  const ctx = stackContext(opts, io);
  await ctx.runtime.ping(); // before anything is stopped or locked
  const owner = liveOwner(ctx.paths);
  if (owner && !opts.json) io.stderr.write(`stopping ${describeOwner(owner)}…\n`);
  // Its supervisors first (found by their command line too, should the state files be gone): they would heal what we stop.
  await stopSupervisors(ctx.session);
  const got = await acquire(ctx.session, 'stack down', 'down', { join: false, limitMs: 30_000 });
  const lock = got.lock!;
  try {
    const renderer = await rendererFor(opts, io);
    const result = await down(
      { spec: ctx.spec, runtime: ctx.runtime, clock: io.clock, emit: emitTo(ctx.journal, renderer) },
      { volumes: o.volumes ?? false, timeoutSeconds: o.timeout },
    );
    await renderer.close();
    if (opts.json)
      io.stdout.write(`${JSON.stringify({ ok: true, durationMs: result.durationMs, stopOrder: result.order, volumesRemoved: o.volumes ?? false })}\n`);
    else io.stdout.write(`✔ ${ctx.spec.name} is down in ${formatDuration(result.durationMs)}\n`);
  } finally {
    await lock.release();
  }
}

export async function restartCommand(services: string[], o: { withDependents?: boolean }, opts: GlobalOptions, io: CliIo): Promise<void> {
  const ctx = stackContext(opts, io);
  const unknown = services.filter((s) => !(s in ctx.spec.services));
  if (unknown.length) throw unknownServices(unknown, Object.keys(ctx.spec.services));
  const owner = liveOwner(ctx.paths);
  let results: RestartResult[];
  if (owner?.phase === 'supervising' && owner.controlPort) {
    // The supervisor owns the containers: ask it, so it neither fights the restart nor heals it twice.
    if (!opts.json) io.stderr.write(`asking the supervisor (pid ${owner.pid}) to restart ${services.join(', ')}…\n`);
    results = await askSupervisor(ctx, owner.controlPort, services, !!o.withDependents);
  } else {
    const got = await acquire(ctx.session, 'stack restart', 'restart', { join: false, limitMs: 30_000 });
    try {
      const renderer = await rendererFor(opts, io);
      const emit = emitTo(ctx.journal, renderer);
      const deps = { spec: ctx.spec, runtime: ctx.runtime, clock: io.clock, emit, probeRunner: defaultProbeRunner };
      const never = new AbortController().signal;
      results = await restartInOrder(
        ctx.spec,
        services,
        () => !!o.withDependents,
        async (name, why) => {
          emit({ type: 'restart', at: io.clock.now(), service: name, attempt: 0, why });
          const outcome = await restartService(deps, ctx.spec.services[name]!, never);
          if (outcome.ok) return { service: name, ok: true };
          emit({ type: 'restart-failed', at: io.clock.now(), service: name, reason: outcome.report.reason });
          return { service: name, ok: false, reason: outcome.report.reason };
        },
      );
      await renderer.close();
    } finally {
      await got.lock?.release();
    }
  }
  if (opts.json) io.stdout.write(`${JSON.stringify({ ok: results.every((r) => r.ok), results })}\n`);
  else for (const r of results) io.stdout.write(r.ok ? `✔ ${r.service} restarted and healthy\n` : `✖ ${r.service}: ${r.reason}\n`);
  const failed = results.filter((r) => !r.ok);
  if (failed.length) throw new GateFailedError(`${failed.map((r) => r.service).join(', ')} did not come back healthy`, []);
}

async function askSupervisor(ctx: StackContext, port: number, services: string[], withDependents: boolean): Promise<RestartResult[]> {
  const token = readToken(ctx.paths);
  if (!token) throw new StackError('BUSY', `the supervisor's token (${ctx.paths.token}) is missing`, 'Run `stack down`, then `stack up --detach` again.');
  const res = await callSupervisor(port, token, { method: 'POST', path: '/restart', body: { services, withDependents } });
  const body = (res.body ?? {}) as { results?: RestartResult[]; error?: string };
  if (res.status !== 200 || !body.results) throw new StackError('BUSY', `the supervisor refused the restart: ${body.error ?? res.status}`);
  return body.results;
}

const NO_HEALING: HealSummary = { restarts: 0, lastFailure: null, breaker: 'closed', nextRetryAt: null };

/**
 * With a supervisor running, its live state answers (no engine client or probe library is even loaded:
 * ~0.2 s); without one, one container list and one probe per running service, all at once.
 */
export async function statusCommand(opts: GlobalOptions, io: CliIo): Promise<boolean> {
  const ctx = stackContext(opts, io);
  const owner = liveOwner(ctx.paths);
  const supervisor = owner?.phase === 'supervising' ? { pid: owner.pid, since: owner.since, command: owner.command, metrics: owner.metrics ?? null } : null;
  const live = await liveStatus(ctx, owner);
  const now = live ?? (await status({ spec: ctx.spec, runtime: ctx.runtime, clock: io.clock }));
  const journal = ctx.journal.read(HEALING_RECORDS);
  const healing = summarizeHealing(journal.records);
  const services = now.services.map((s) => {
    const heal = healing[s.name] ?? NO_HEALING;
    return { ...s, restarts: s.restarts + heal.restarts, heal: { breaker: heal.breaker, lastFailure: heal.lastFailure, nextRetryAt: heal.nextRetryAt } };
  });
  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify({ supervisor, healthFrom: live ? 'supervisor' : 'probe', services, ...(journal.malformed ? { malformedJournalLines: journal.malformed } : {}) })}\n`,
    );
  } else {
    io.stdout.write(statusTable(services));
    io.stdout.write(supervisorText(supervisor, ctx.paths.token));
    if (live) io.stdout.write("health as the supervisor's own probes last saw it\n");
    if (journal.malformed) io.stderr.write(malformedText(journal.malformed, ctx.journal.file));
  }
  return services.every((s) => isFine(s.health));
}

/** `--json` prints one record per line (JSON Lines), so that `--follow` can stream the same format. */
export async function eventsCommand(service: string | undefined, o: { follow?: boolean }, opts: GlobalOptions, io: CliIo): Promise<void> {
  const ctx = stackContext(opts, io);
  if (service && !(service in ctx.spec.services)) throw unknownServices([service], Object.keys(ctx.spec.services));
  const show = (r: JournalRecord) => {
    if (service && recordService(r) !== service) return;
    io.stdout.write(opts.json ? `${JSON.stringify(r)}\n` : journalLine(r));
  };
  const journal = ctx.journal.read();
  journal.records.forEach(show);
  if (journal.malformed) io.stderr.write(malformedText(journal.malformed, ctx.journal.file));
  if (!o.follow) return;
  const stop = new AbortController();
  const uninstall = io.onInterrupt(() => stop.abort());
  try {
    await ctx.journal.follow(ctx.journal.size(), show, stop.signal, io.clock);
  } finally {
    uninstall();
  }
}

export async function logsCommand(service: string, o: { follow?: boolean; tail: number }, opts: GlobalOptions, io: CliIo): Promise<void> {
  if (opts.json)
    throw new UsageError('`stack logs` has no JSON form: it prints the container log as it is', 'Leave out --json (or use `docker logs` for its own formats).');
  const ctx = stackContext(opts, io);
  const spec = ctx.spec.services[service];
  if (!spec) throw unknownServices([service], Object.keys(ctx.spec.services));
  await ctx.runtime.ping();
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      io.stdout.write(chunk.toString('utf8'));
      cb();
    },
  });
  const stop = new AbortController();
  const uninstall = io.onInterrupt(() => stop.abort());
  try {
    await ctx.runtime.streamLogs(spec.composeService, { tail: o.tail, follow: !!o.follow }, out, stop.signal);
  } finally {
    uninstall();
  }
}
