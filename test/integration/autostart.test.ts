/** The editor's folder-open hook on the real engine: first run brings the stack up; a second one joins fast. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { purge, stack, startedAt, testState } from '../support/docker.js';

const PROJECT = 'stack-test-autostart';
const FILE = 'test/fixtures/metrics/stack.yaml';
const state = testState(PROJECT);
const env = { ...state.env, STACK_PROJECT_NAME: PROJECT, STACK_METRICS_ADDR: '' };

beforeAll(() => purge(PROJECT));
afterAll(async () => {
  await stack(['-f', FILE, 'down', '--volumes', '-t', '1'], env);
  purge(PROJECT);
  state.remove();
});

it('stack autostart brings the stack up under the supervisor; run again it joins without restarting anything', async () => {
  const first = await stack(['-f', FILE, 'autostart'], env);
  expect(first.code, first.stderr).toBe(0);
  expect(first.stdout).toMatch(/supervising in the background \(pid \d+\)/);
  const before = startedAt(PROJECT, 'redis');
  const again = await stack(['-f', FILE, 'autostart'], env);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/joined: stack-test-autostart is up and supervised/);
  expect(startedAt(PROJECT, 'redis')).toBe(before);
  const off = await stack(['-f', FILE, 'autostart'], { ...env, STACK_AUTOSTART: '0' });
  expect(off.stdout).toMatch(/autostart is off/);
});
