/** The fake clock itself, and probe timeouts in virtual time: what the fake-time tests rely on. */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { runProbe } from '../../src/probes/run-probe.js';
import type { ProbeRegistry, ProbeSpec } from '../../src/probes/types.js';
import { FakeClock } from '../support/fake-clock.js';

describe('FakeClock', () => {
  it('leaves no abort listener behind once a sleep is over', async () => {
    const clock = new FakeClock();
    const signal = new AbortController().signal;
    await clock.drive(
      (async () => {
        for (let i = 0; i < 50; i++) await clock.sleep(10, signal);
      })(),
    );
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    expect(clock.elapsed).toBe(500);
  });
});

describe('runProbe', () => {
  const probe = { type: 'tcp', port: 1, timing: { intervalMs: 100, timeoutMs: 2_000, successThreshold: 1, failureThreshold: 3 } } as ProbeSpec;
  const hanging = { tcp: () => new Promise<never>(() => {}) } as unknown as ProbeRegistry;
  const ctx = {
    env: {},
    endpoint: async () => ({ host: 'x', port: 1 }),
    exec: async () => ({ exitCode: 0, output: '' }),
    healthStatus: async () => undefined,
    output: async () => [],
  };

  it('cuts a probe that never answers at its timeout, in the clock’s time', async () => {
    const clock = new FakeClock();
    const started = Date.now();
    const result = await clock.drive(runProbe(probe, ctx, clock, undefined, hanging));
    expect(result).toMatchObject({ ok: false, error: 'no answer within the probe timeout (2000ms)', latencyMs: 2_000 });
    expect(Date.now() - started).toBeLessThan(1_000); // two virtual seconds, not real ones
  });

  it('reports a cancelled probe when the caller aborts first', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    void clock.sleep(500).then(() => controller.abort());
    const result = await clock.drive(runProbe(probe, ctx, clock, controller.signal, hanging));
    expect(result).toMatchObject({ ok: false, error: 'probe cancelled', latencyMs: 500 });
  });
});
