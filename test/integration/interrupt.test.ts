/** Ctrl-C during `up`: it stops probing, says what it left, and exits 130 — on the real engine. */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { CLI, purge, testState } from '../support/docker.js';

const PROJECT = 'stack-test-interrupt';
const state = testState(PROJECT);
beforeAll(() => purge(PROJECT));
afterAll(() => {
  purge(PROJECT);
  state.remove();
});

it('a first Ctrl-C stops up cleanly and reports the state it left', async () => {
  const child = spawn('node', [CLI, '-f', 'test/fixtures/failing/stack.yaml', 'up', 'worker'], {
    env: { ...process.env, ...state.env, CI: 'true', STACK_PROJECT_NAME: PROJECT },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  // Interrupt while `stuck` is being probed (its deadline is 3 s).
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (/stuck +probing/.test(stdout)) {
        clearInterval(poll);
        child.kill('SIGINT');
        resolve();
      }
    }, 50);
  });
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  expect(code).toBe(EXIT.INTERRUPTED);
  expect(stderr).toMatch(/interrupted: stopping probes \(Ctrl-C again to force\)/);
  expect(stderr).toMatch(/left as they were \(running, not proven healthy\): (cache, )?stuck; not started: api, worker/);
  expect(stderr).toMatch(/Run `stack up` to continue or `stack down` to remove what was started/);
  expect(stdout).not.toMatch(/✖ stuck failed/); // it was interrupted, not failed by its deadline
});
