/** `down`, `restart`, `status`, `events` and `logs`: the commands around a running (maybe supervised) stack. */
import { Writable } from 'node:stream';
import { formatDuration } from '../../config/duration.js';
import { down } from '../../engine/down.js';
import { defaultProbeRunner } from '../../engine/gate.js';
import { status } from '../../engine/status.js';
import { BusyError, GateFailedError } from '../../core/errors.js';
import { dependentsOf, planWaves } from '../../graph/plan.js';
import { restartService } from '../../healing/restart-service.js';
import { clockTime, describeSupervisorEvent } from '../../report/format.js';
import { summarizeHealing, type HealSummary } from '../../state/heal-summary.js';
import type { JournalRecord } from '../../state/journal.js';
import { alive, describeOwner, readOwner, stopHolder, tryLock } from '../../state/lock.js';
import type { GlobalOptions } from '../context.js';
import { clock, rendererFor } from '../wiring.js';
import { unknownServices } from '../flags.js';
import type { CliIo } from '../io.js';
import { emitTo, stackContext } from '../stack-context.js';

export async function downCommand(o: { volumes?: boolean; timeout: string }, opts: GlobalOptions, io: CliIo): Promise<void> {
  const ctx = stackContext(opts, io);
  const owner = readOwner(ctx.paths);
  if (owner && alive(owner.pid) && !opts.json) io.stderr.write(`stopping ${describeOwner(owner)}…\n`);
  await stopHolder(ctx.paths);
  const attempt = await tryLock(ctx.paths, 'stack down', 'down');
  if (!attempt.acquired) throw new BusyError(`${describeOwner(attempt.owner)} did not stop; ${ctx.spec.name} was not brought down`);
  try {
    const renderer = rendererFor(opts, io);
    const result = await down(
      { spec: ctx.spec, runtime: ctx.runtime, clock, emit: emitTo(ctx.journal, renderer) },
      { volumes: o.volumes ?? false, timeoutSeconds: Number(o.timeout) },
    );
    await renderer.close();
    if (opts.json)
      io.stdout.write(`${JSON.stringify({ ok: true, durationMs: result.durationMs, stopOrder: result.order, volumesRemoved: o.volumes ?? false })}\n`);
    else io.stdout.write(`✔ ${ctx.spec.name} is down in ${formatDuration(result.durationMs)}\n`);
  } finally {
    await attempt.lock.release();
  }
}

type RestartResult = { service: string; ok: boolean; reason?: string };

export async function restartCommand(services: string[], o: { withDependents?: boolean }, opts: GlobalOptions, io: CliIo): Promise<void> {
  const ctx = stackContext(opts, io);
  const unknown = services.filter((s) => !(s in ctx.spec.services));
  if (unknown.length) throw unknownServices(unknown, Object.keys(ctx.spec.services));
  let results: RestartResult[];
  const owner = readOwner(ctx.paths);
  if (owner && alive(owner.pid) && owner.phase === 'supervising' && owner.controlPort) {
    // The supervisor owns the containers: ask it, so it neither fights the restart nor heals it twice.
    if (!opts.json) io.stderr.write(`asking the supervisor (pid ${owner.pid}) to restart ${services.join(', ')}…\n`);
    const { request } = await import('undici');
    const res = await request(`http://127.0.0.1:${owner.controlPort}/restart`, {
      method: 'POST',
      body: JSON.stringify({ services, withDependents: !!o.withDependents }),
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    results = ((await res.body.json()) as { results: RestartResult[] }).results;
  } else {
    const attempt = await tryLock(ctx.paths, 'stack restart', 'restart');
    if (!attempt.acquired) throw new BusyError(`${describeOwner(attempt.owner)} holds the lock for ${ctx.spec.name}`);
    try {
      const renderer = rendererFor(opts, io);
      const emit = emitTo(ctx.journal, renderer);
      const deps = { spec: ctx.spec, runtime: ctx.runtime, clock, emit, probeRunner: defaultProbeRunner };
      const one = async (name: string, why: 'manual' | 'dependency'): Promise<RestartResult> => {
        emit({ type: 'restart', at: Date.now(), service: name, attempt: 0, why });
        const outcome = await restartService(deps, ctx.spec.services[name]!, new AbortController().signal);
        if (outcome.ok) return { service: name, ok: true };
        emit({ type: 'restart-failed', at: Date.now(), service: name, reason: outcome.report.reason });
        return { service: name, ok: false, reason: outcome.report.reason };
      };
      results = [];
      for (const s of services) results.push(await one(s, 'manual'));
      if (o.withDependents && results.every((r) => r.ok)) {
        const dependents = [...new Set(services.flatMap((s) => dependentsOf(ctx.spec.services, s)))].filter((d) => !services.includes(d));
        for (const wave of planWaves(ctx.spec.services, dependents)) results.push(...(await Promise.all(wave.map((d) => one(d, 'dependency')))));
      }
      await renderer.close();
    } finally {
      await attempt.lock.release();
    }
  }
  if (opts.json) io.stdout.write(`${JSON.stringify({ ok: results.every((r) => r.ok), results })}\n`);
  else for (const r of results) io.stdout.write(r.ok ? `✔ ${r.service} restarted and healthy\n` : `✖ ${r.service}: ${r.reason}\n`);
  const failed = results.filter((r) => !r.ok);
  if (failed.length) throw new GateFailedError(`${failed.map((r) => r.service).join(', ')} did not come back healthy`, []);
}

const NO_HEALING: HealSummary = { restarts: 0, lastFailure: null, breaker: 'closed', nextRetryAt: null };

export async function statusCommand(opts: GlobalOptions, io: CliIo): Promise<boolean> {
  const ctx = stackContext(opts, io);
  const now = await status({ spec: ctx.spec, runtime: ctx.runtime, clock });
  const healing = summarizeHealing(ctx.journal.read());
  const owner = readOwner(ctx.paths);
  const supervisor =
    owner && alive(owner.pid) && owner.phase === 'supervising'
      ? { pid: owner.pid, since: owner.since, command: owner.command, metrics: owner.metrics ?? null }
      : null;
  const services = now.services.map((s) => {
    const heal = healing[s.name] ?? NO_HEALING;
    return { ...s, restarts: s.restarts + heal.restarts, heal: { breaker: heal.breaker, lastFailure: heal.lastFailure, nextRetryAt: heal.nextRetryAt } };
  });
  if (opts.json) {
    io.stdout.write(`${JSON.stringify({ supervisor, services })}\n`);
  } else {
    io.stdout.write(statusTable(services));
    io.stdout.write(
      supervisor
        ? `supervised by pid ${supervisor.pid} since ${supervisor.since.slice(11, 19)} (\`${supervisor.command}\`); metrics: http://${supervisor.metrics}/metrics\n`
        : 'not supervised (`stack up --watch` or `--detach` supervises)\n',
    );
  }
  return services.every((s) => s.health === 'healthy' || s.health === 'no-probe');
}

type StatusRow = Awaited<ReturnType<typeof status>>['services'][number] & { heal: Omit<HealSummary, 'restarts'> };

export function statusTable(rows: StatusRow[]): string {
  const table = [
    ['SERVICE', 'STATE', 'HEALTH', 'RESTARTS', 'PORTS', 'LAST PROBE', 'HEALING'],
    ...rows.map((x) => [
      x.name,
      x.state,
      x.health,
      String(x.restarts),
      x.ports.map((p) => `${p.hostIp || '0.0.0.0'}:${p.host}->${p.container}`).join(' ') || '-',
      x.lastProbe ? (x.lastProbe.ok ? `ok ${x.lastProbe.latencyMs}ms` : `fail: ${x.lastProbe.error}`) : '-',
      healingText(x.heal),
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function healingText(h: Omit<HealSummary, 'restarts'>): string {
  const parts = [];
  if (h.breaker === 'open') parts.push('BREAKER OPEN');
  if (h.nextRetryAt) parts.push(`next retry ${h.nextRetryAt.slice(11, 19)}`);
  if (h.lastFailure) parts.push(`last failure ${h.lastFailure.at.slice(11, 19)}: ${h.lastFailure.reason}`);
  return parts.join('; ') || '-';
}

export async function eventsCommand(service: string | undefined, o: { follow?: boolean }, opts: GlobalOptions, io: CliIo): Promise<void> {
  const ctx = stackContext(opts, io);
  if (service && !(service in ctx.spec.services)) throw unknownServices([service], Object.keys(ctx.spec.services));
  const show = (r: JournalRecord) => {
    if (service && recordService(r) !== service) return;
    io.stdout.write(opts.json ? `${JSON.stringify(r)}\n` : `${r.ts.slice(0, 10)} ${clockTime(r.at)} ${describeRecord(r)}\n`);
  };
  ctx.journal.read().forEach(show);
  if (!o.follow) return;
  const stop = new AbortController();
  const uninstall = io.onInterrupt(() => stop.abort());
  try {
    await ctx.journal.follow(ctx.journal.size(), show, stop.signal);
  } finally {
    uninstall();
  }
}

function recordService(r: JournalRecord): string | undefined {
  if (r.type === 'failure') return r.report.service;
  return 'service' in r && typeof r.service === 'string' ? r.service : undefined;
}

export function describeRecord(r: JournalRecord): string {
  const supervision = describeSupervisorEvent(r);
  if (supervision) return supervision;
  switch (r.type) {
    case 'plan':
      return `up planned (${r.strategy}): ${r.waves.map((w) => w.join(', ')).join(' | ')}`;
    case 'service':
      return `${r.service.padEnd(12)} ${r.state}${r.sinceStartMs === undefined ? '' : ` in ${formatDuration(r.sinceStartMs)}`}${r.detail ? ` (${r.detail})` : ''}`;
    case 'probe':
      return `${r.service.padEnd(12)} probe failed: ${r.result.error}`;
    case 'failure':
      return `${r.report.service.padEnd(12)} FAILED: ${r.report.reason}`;
    case 'done':
      return r.ok ? `up done: all healthy in ${formatDuration(r.durationMs)}` : `up failed: ${r.error?.message ?? 'see above'}`;
    case 'stop':
      return `${r.service.padEnd(12)} ${r.phase === 'begin' ? 'stopping' : 'stopped'}`;
    case 'removed':
      return `down: containers and networks removed${r.volumes ? ', volumes too' : ''}`;
    default:
      return r.type;
  }
}

export async function logsCommand(service: string, o: { follow?: boolean; tail: string }, opts: GlobalOptions, io: CliIo): Promise<void> {
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
    await ctx.runtime.streamLogs(spec.composeService, { tail: Number(o.tail), follow: !!o.follow }, out, stop.signal);
  } finally {
    uninstall();
  }
}
