/** `stack up --watch`: supervision in the foreground of a terminal or an editor task, until Ctrl-C. */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI, containerOf, containerState, docker, purge, stack, testState } from '../support/docker.js';

const PROJECT = 'stack-test-watch';
const FILE = 'test/fixtures/healing/stack.yaml';
const state = testState(PROJECT);
const env = { ...state.env, STACK_PROJECT_NAME: PROJECT, HEAL_PG_PASSWORD: 'watch-test', HEAL_WEBHOOK_URL: 'http://127.0.0.1:9/' };

beforeAll(() => purge(PROJECT));
afterAll(async () => {
  await stack(['-f', FILE, 'down', '--volumes', '-t', '1'], env);
  purge(PROJECT);
  state.remove();
});

function run(args: string[]) {
  const child = spawn('node', [CLI, '-f', FILE, ...args], { env: { ...process.env, CI: 'true', ...env } });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  return { child, out, exited };
}

async function waitFor(what: string, check: () => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('up --watch heals in the foreground, shows it, and Ctrl-C stops supervising without stopping services', async () => {
  const from = Date.now(); // the journal keeps earlier runs' records
  const watch = run(['up', '--watch', 'redis']);
  const follow = run(['events', '--follow', 'redis']);
  await waitFor('supervisor started', () => /supervisor started \(pid \d+\), watching redis/.test(watch.out.stdout));
  docker('kill', '-s', 'KILL', containerOf(PROJECT, 'redis'));
  await waitFor('recovered', () => /redis +recovered: healthy again after/.test(watch.out.stdout));
  expect(watch.out.stdout).toMatch(/redis +crashed: exited with code 137/);
  expect(watch.out.stdout).toMatch(/redis +restart #1 in \d/);
  await waitFor('events --follow saw it', () => /redis +recovered/.test(follow.out.stdout));
  follow.child.kill('SIGINT');
  expect(await follow.exited).toBe(0);

  watch.child.kill('SIGINT');
  expect(await watch.exited).toBe(0);
  expect(watch.out.stdout).toMatch(/supervisor stopped \(pid \d+\); services left as they are/);
  expect(containerState(PROJECT, 'redis')).toBe('running');
  expect(
    state
      .records()
      .filter((r) => r.type === 'supervisor' && r.at >= from)
      .map((r) => (r as { phase: string }).phase),
  ).toEqual(['started', 'stopped']);
});
