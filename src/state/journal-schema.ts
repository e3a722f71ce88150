/**
 * The shape of a journal record, checked when reading: a line that parses as JSON but is not a record of a
 * known type with the fields its readers use (status, events, the renderers) is skipped and counted, never
 * a crash. Kept in step with core/events.ts by the type check at the bottom.
 */
import { z } from 'zod';
import type { StackEvent } from '../core/events.js';

// Each process parses a stack.yaml once and a journal a few hundred times: compiling zod's parsers (its
// default JIT, `new Function` per object schema) costs more than it saves there (~30 ms of every command).
z.config({ jitless: true });

const num = z.number().finite();
const str = z.string();
const probeResult = z.object({ ok: z.boolean(), latencyMs: num, error: str.optional(), detail: str.optional(), at: str });
const serviceState = z.enum(['pending', 'starting', 'probing', 'healthy', 'completed', 'failed', 'skipped', 'cancelled']);
const containerState = z.enum(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead', 'absent']);
const outcome = z.object({ state: serviceState, readyMs: num.optional(), unchanged: z.boolean().optional() });
const report = z.object({
  service: str,
  reason: str,
  kind: z.enum(['deadline', 'exited', 'start-error', 'completed-nonzero']),
  elapsedMs: num,
  deadlineMs: num,
  probes: z.array(probeResult),
  container: z.object({ state: containerState, exitCode: num, oomKilled: z.boolean(), restartCount: num }).optional(),
  runsAs: z.literal('process').optional(),
  logs: z.array(str),
  notStarted: z.array(str),
});
const base = { at: num };
const service = { ...base, service: str };

const eventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('plan'), ...base, strategy: z.enum(['eager', 'waves']), waves: z.array(z.array(str)), services: z.array(str) }),
  z.object({ type: z.literal('create'), ...base, phase: z.enum(['begin', 'end']), services: z.array(str) }),
  z.object({ type: z.literal('service'), ...service, state: serviceState, detail: str.optional(), sinceStartMs: num.optional() }),
  z.object({ type: z.literal('probe'), ...service, attempt: num, result: probeResult }),
  z.object({ type: z.literal('failure'), ...base, report }),
  z.object({ type: z.literal('stop'), ...service, phase: z.enum(['begin', 'end']) }),
  z.object({ type: z.literal('removed'), ...base, volumes: z.boolean() }),
  z.object({ type: z.literal('orphan'), ...service, action: z.enum(['removed', 'kept']) }),
  z.object({
    type: z.literal('done'),
    ...base,
    ok: z.boolean(),
    durationMs: num,
    outcome: z.record(str, outcome),
    error: z.object({ code: str, message: str, hint: str.optional() }).optional(),
  }),
  z.object({ type: z.literal('supervisor'), ...base, phase: z.enum(['started', 'stopped']), pid: num, services: z.array(str) }),
  z.object({ type: z.literal('detected'), ...service, trigger: z.enum(['exit', 'stopped', 'unhealthy']), reason: str, healed: z.boolean() }),
  z.object({ type: z.literal('liveness'), ...service, result: probeResult, failures: num, threshold: num }),
  z.object({ type: z.literal('backoff'), ...service, attempt: num, delayMs: num, nextAt: num }),
  z.object({ type: z.literal('restart'), ...service, attempt: num, why: z.enum(['heal', 'manual', 'dependency']) }),
  z.object({ type: z.literal('recovered'), ...service, downMs: num, attempt: num }),
  z.object({ type: z.literal('restart-failed'), ...service, reason: str }),
  z.object({ type: z.literal('breaker'), ...service, open: z.boolean(), restartsInWindow: num, reason: str }),
  z.object({ type: z.literal('degraded'), ...service, degraded: z.boolean(), because: str }),
  z.object({ type: z.literal('engine'), ...base, connected: z.boolean(), detail: str.optional() }),
  z.object({ type: z.literal('config'), ...base, detail: str }),
  z.object({ type: z.literal('notify-failed'), ...service, event: str, error: str }),
]);

export const journalRecordSchema = z.intersection(eventSchema, z.object({ ts: str, pid: num }));

// Every event type has a schema, and every schema is an event: a new event type fails to compile until it has one.
type Parsed = z.infer<typeof eventSchema>;
const _everyEventHasASchema: StackEvent['type'] extends Parsed['type'] ? true : never = true;
const _everySchemaIsAnEvent: Parsed extends StackEvent ? true : never = true;
void _everyEventHasASchema;
void _everySchemaIsAnEvent;
