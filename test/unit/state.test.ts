import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStack } from '../../src/config/loader.js';
import type { FailureReport, StackEvent } from '../../src/core/events.js';
import { webhookNotifier } from '../../src/notify/webhook.js';
import { HEALING_RECORDS, summarizeHealing } from '../../src/state/heal-summary.js';
import { Journal, type JournalRecord } from '../../src/state/journal.js';
import { statePaths } from '../../src/state/paths.js';
import { readReadyTimes, recordReadyTimes } from '../../src/state/ready-times.js';
import { systemClock } from '../../src/core/clock.js';

const rec = (e: Partial<StackEvent> & { type: StackEvent['type'] }, at: number): JournalRecord =>
  ({ ts: new Date(at).toISOString(), pid: 1, at, ...e }) as JournalRecord;

describe('Journal', () => {
  it('appends one JSON line per event, skips passing probes, and rotates past its size bound', () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-'));
    const journal = new Journal(join(dir, 'events.jsonl'), 2_000);
    journal.append({ type: 'probe', at: 1, service: 'a', attempt: 1, result: { ok: true, latencyMs: 1, at: 'x' } });
    expect(journal.read().records).toHaveLength(0);
    for (let i = 0; i < 40; i++) journal.append({ type: 'restart', at: i, service: 'redis', attempt: i, why: 'heal' });
    expect(readdirSync(dir).sort()).toEqual(['events.1.jsonl', 'events.jsonl']);
    const all = journal.read().records;
    expect(all.length).toBeLessThan(40); // older rotations are dropped: bounded
    expect(all.at(-1)).toMatchObject({ type: 'restart', attempt: 39, pid: process.pid });
    expect(all.map((r) => r.at)).toEqual([...all.map((r) => r.at)].sort((a, b) => a - b));
  });

  it('follows appended records', async () => {
    const journal = new Journal(join(mkdtempSync(join(tmpdir(), 'journal-')), 'events.jsonl'));
    const seen: JournalRecord[] = [];
    const stop = new AbortController();
    const following = journal.follow(0, (r) => seen.push(r), stop.signal, systemClock, 10);
    journal.append({ type: 'engine', at: 1, connected: false });
    journal.append({ type: 'engine', at: 2, connected: true });
    await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    await following;
    expect(seen.map((r) => r.at)).toEqual([1, 2]);
  });
});

describe('summarizeHealing', () => {
  it('folds restarts, last failure, breaker and next retry per service, and forgets them at down', () => {
    const records = [
      rec({ type: 'detected', service: 'db', trigger: 'exit', reason: 'exited with code 1', healed: true }, 1_000),
      rec({ type: 'backoff', service: 'db', attempt: 1, delayMs: 1_000, nextAt: 2_000 }, 1_000),
      rec({ type: 'restart', service: 'db', attempt: 1, why: 'heal' }, 2_000),
      rec({ type: 'restart-failed', service: 'db', reason: 'not healthy within 5s' }, 7_000),
      rec({ type: 'backoff', service: 'db', attempt: 2, delayMs: 2_000, nextAt: 9_000 }, 7_000),
    ];
    expect(summarizeHealing(records)['db']).toEqual({
      restarts: 1,
      lastFailure: { reason: 'not healthy within 5s', at: new Date(7_000).toISOString() },
      breaker: 'closed',
      nextRetryAt: new Date(9_000).toISOString(),
    });
    const open = [...records, rec({ type: 'breaker', service: 'db', open: true, restartsInWindow: 5, reason: 'x' }, 9_500)];
    expect(summarizeHealing(open)['db']).toMatchObject({ breaker: 'open', nextRetryAt: null });
    expect(summarizeHealing([...open, rec({ type: 'removed', volumes: false }, 10_000)])).toEqual({});
  });

  it('reads only the healing records from the journal and folds them exactly as from the whole journal', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'journal-')), 'events.jsonl');
    const journal = new Journal(file);
    const report: FailureReport = {
      service: 'db',
      reason: 'not healthy within 5s',
      kind: 'deadline',
      elapsedMs: 5,
      deadlineMs: 5,
      probes: [],
      logs: [],
      notStarted: [],
    };
    // Each healing type changes the outcome here (removing any from HEALING_RECORDS fails this test).
    const events: StackEvent[] = [
      { type: 'plan', at: 1, strategy: 'eager', waves: [['db', 'api']], services: ['db', 'api'] },
      { type: 'restart', at: 2, service: 'db', attempt: 1, why: 'heal' },
      { type: 'removed', at: 3, volumes: false },
      { type: 'failure', at: 4, report },
      { type: 'service', at: 5, service: 'db', state: 'healthy' },
      { type: 'backoff', at: 6, service: 'db', attempt: 1, delayMs: 1_000, nextAt: 7 },
      { type: 'supervisor', at: 7, phase: 'stopped', pid: 1, services: ['db', 'api'] },
      { type: 'detected', at: 8, service: 'api', trigger: 'exit', reason: 'exited with code 1', healed: true },
      { type: 'restart', at: 9, service: 'api', attempt: 1, why: 'heal' },
      { type: 'restart-failed', at: 10, service: 'api', reason: 'exited again' },
      { type: 'backoff', at: 11, service: 'api', attempt: 2, delayMs: 2_000, nextAt: 13 },
      { type: 'recovered', at: 12, service: 'api', downMs: 6, attempt: 2 },
      { type: 'detected', at: 13, service: 'cache', trigger: 'exit', reason: 'killed (out of memory)', healed: true },
      { type: 'backoff', at: 14, service: 'cache', attempt: 1, delayMs: 1_000, nextAt: 20 },
      { type: 'breaker', at: 15, service: 'web', open: true, restartsInWindow: 5, reason: 'x' },
    ];
    events.forEach((e) => journal.append(e));
    writeFileSync(file, '{"type":"service","at":"not a number"}\n', { flag: 'a' });
    const whole = journal.read();
    const healing = journal.read(HEALING_RECORDS);
    expect(healing.records.length).toBeLessThan(whole.records.length);
    expect(healing.records.every((r) => HEALING_RECORDS.has(r.type))).toBe(true);
    expect(summarizeHealing(healing.records)).toEqual(summarizeHealing(whole.records));
    const summary = summarizeHealing(healing.records);
    expect(summary['db']).toEqual({ restarts: 0, lastFailure: { reason: report.reason, at: new Date(4).toISOString() }, breaker: 'closed', nextRetryAt: null });
    expect(summary['api']).toMatchObject({ restarts: 1, lastFailure: { reason: 'exited again' }, nextRetryAt: null });
    expect(summary['cache']).toMatchObject({ lastFailure: { reason: 'killed (out of memory)' }, nextRetryAt: new Date(20).toISOString() });
    expect(summary['web']).toMatchObject({ breaker: 'open' });
    expect([whole.malformed, healing.malformed]).toEqual([1, 0]); // a damaged record of a type the reader skips is not its problem
  });
});

describe('heal policy in stack.yaml', () => {
  it('layers service over stack-wide over built-in defaults, and heal: false turns healing off', () => {
    const { spec } = loadStack('test/fixtures/healing/stack.yaml', { env: { HEAL_PG_PASSWORD: 'x', HEAL_WEBHOOK_URL: 'http://127.0.0.1:1/' } });
    expect(spec.services['redis']!.heal).toMatchObject({
      on: ['exit', 'stopped', 'unhealthy'],
      backoff: { initialMs: 1_000, factor: 2, maxMs: 60_000, jitter: 0.2 },
      resetAfterMs: 2_000,
      maxRestarts: 20,
      windowMs: 600_000,
      restartDependents: false,
      liveness: { intervalMs: 250, timeoutMs: 1_000, failureThreshold: 3 },
    });
    expect(spec.services['crashy']!.heal).toMatchObject({ backoff: { initialMs: 200, factor: 2, maxMs: 60_000, jitter: 0 }, maxRestarts: 3, windowMs: 60_000 });
    expect(spec.services['pausable']!.heal!.liveness).toEqual({ intervalMs: 250, timeoutMs: 300, failureThreshold: 3 });
    expect(spec.services['postgres']!.heal!.restartDependents).toBe(true);
    expect(spec.notify).toEqual({ webhookUrlEnv: 'HEAL_WEBHOOK_URL' });
  });
});

describe('webhookNotifier', () => {
  it('retries a failing webhook in the background and reports a webhook that never answers', async () => {
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c));
      req.on('end', () => {
        bodies.push(raw);
        res.writeHead(bodies.length < 3 ? 503 : 204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const events: StackEvent[] = [];
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const note = { event: 'breaker-open' as const, service: 'db', reason: 'crash loop', restartsInWindow: 5, at: 'now' };
    // The delivery's promise is awaited instead of sleeping: no real time is spent waiting for it.
    await webhookNotifier({ url, stack: 's', emit: (e) => events.push(e), clock: systemClock, minTimeoutMs: 1 })(note);
    expect(bodies).toHaveLength(3);
    expect(JSON.parse(bodies[2]!)).toEqual({ stack: 's', ...note });
    expect(events).toEqual([]);
    server.close();

    await webhookNotifier({ url: 'http://127.0.0.1:1/', stack: 's', emit: (e) => events.push(e), clock: systemClock, retries: 1, minTimeoutMs: 1 })(note);
    expect(events).toMatchObject([{ type: 'notify-failed', event: 'breaker-open', service: 'db' }]);
    expect(JSON.stringify(events)).not.toContain('127.0.0.1:1'); // the URL may hold a token: never journaled
  });
});

describe('ready times (the ranking history)', () => {
  const paths = () => statePaths(mkdtempSync(join(tmpdir(), 'ready-')), 'p', {});
  it('keeps the start-to-ready time of what an up started, not of what it found healthy, in a private file', () => {
    const p = paths();
    recordReadyTimes(p, { db: { state: 'healthy', readyMs: 1_500 }, cache: { state: 'healthy', readyMs: 3, unchanged: true }, job: { state: 'failed' } }, {});
    expect(readReadyTimes(p)).toEqual({ db: 1_500 });
    recordReadyTimes(p, { api: { state: 'healthy', readyMs: 400 } }, readReadyTimes(p));
    expect(readReadyTimes(p)).toEqual({ db: 1_500, api: 400 });
    expect(statSync(join(p.dir, 'ready-times.json')).mode & 0o777).toBe(0o600);
  });
  it('reads a missing or damaged history as empty, and drops values that are not times', () => {
    const p = paths();
    expect(readReadyTimes(p)).toEqual({});
    mkdirSync(p.dir, { recursive: true });
    writeFileSync(join(p.dir, 'ready-times.json'), '{"db": "slow", "api": -1, "web": 20'); // torn
    expect(readReadyTimes(p)).toEqual({});
    writeFileSync(join(p.dir, 'ready-times.json'), '{"db": "slow", "api": -1, "web": 20}');
    expect(readReadyTimes(p)).toEqual({ web: 20 });
  });
});
