/**
 * The engine restarting under a running supervisor — on a second engine of this test's own (its own socket,
 * data root and network namespace), so the shared engine the other tests use is never stopped or touched.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JournalRecord } from '../../src/state/journal.js';
import { readOwner } from '../../src/state/lock.js';
import { systemProcesses } from '../../src/state/processes.js';
import { stack, testState } from '../support/docker.js';
import { until } from '../support/until.js';
import { startSecondEngine, type SecondEngine } from '../support/second-engine.js';

const PROJECT = 'stack-test-engine-restart';
const FILE = 'test/fixtures/tiny/stack.yaml';
const state = testState(PROJECT);
let engine: SecondEngine;
let env: Record<string, string>;

const find = (from: number, pred: (r: JournalRecord) => boolean) => state.records().find((r) => r.at >= from && pred(r));

beforeAll(async () => {
  engine = await startSecondEngine(['local/stack-tiny:1']);
  env = { ...state.env, STACK_PROJECT_NAME: PROJECT, DOCKER_HOST: engine.host };
}, 120_000);

afterAll(async () => {
  if (engine) {
    await engine.start().catch(() => {});
    await stack(['-f', FILE, 'down', '--volumes', '-t', '1'], env, engine.inside);
    await engine.remove();
  }
  state.remove();
}, 120_000);

it('keeps healing after the engine restarts under it', async () => {
  const up = await stack(['-f', FILE, 'up', '--detach'], env, engine.inside);
  expect(up.code, up.stderr + up.stdout).toBe(0);
  const pid = readOwner(state.paths)!.pid;
  const from = Date.now();
  await engine.stop(); // stops every container of that engine
  await until('disconnect noticed', () => find(from, (r) => r.type === 'engine' && !r.connected), 30_000);
  await engine.start();
  await until('reconnected', () => find(from, (r) => r.type === 'engine' && r.connected), 60_000);
  // Everything the engine stopped comes back healthy, by the same supervisor.
  for (const s of ['web', 'api']) await until(`${s} recovered`, () => find(from, (r) => r.type === 'recovered' && r.service === s), 90_000);
  expect(systemProcesses.alive(pid)).toBe(true);
  expect(readOwner(state.paths)!.pid).toBe(pid);
  const status = await stack(['-f', FILE, 'status', '--json'], env, engine.inside);
  expect(status.code, status.stdout).toBe(0);
}, 240_000);
