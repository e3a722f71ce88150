/**
 * Hot reload under a real supervisor (`up --detach`): an edit of the compose file is applied by the supervisor
 * itself — only the changed service replaced — an invalid edit is journaled and leaves everything running, and
 * supervision goes on after a reload (a killed container is healed).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { containerOf, docker, purge, stack, startedAt, testState } from '../support/docker.js';
import { until } from '../support/until.js';

const PROJECT = 'stack-test-hot-reload';
const state = testState(PROJECT);
const dir = mkdtempSync(join(tmpdir(), 'stack-hot-reload-'));
const FILE = join(dir, 'stack.yaml');
const env = { ...state.env, STACK_PROJECT_NAME: PROJECT, STACK_METRICS_ADDR: '' };

function write(mode: string, stackYaml?: string): void {
  const httpd = 'image: local/stack-tiny:1, command: ["httpd", "-f", "-p", "8080", "-h", "/"], ports: ["127.0.0.1::8080"], stop_signal: SIGKILL';
  writeFileSync(join(dir, 'compose.yml'), `services:\n  store: { ${httpd}, environment: { MODE: "${mode}" } }\n  api: { ${httpd} }\n`);
  writeFileSync(
    FILE,
    stackYaml ??
      [
        'version: 1',
        `name: ${PROJECT}`,
        'compose: { files: [compose.yml] }',
        'defaults: { probe: { interval: 100ms, timeout: 1s }, heal: { liveness: { interval: 500ms } } }',
        'services:',
        '  store: { probe: { type: tcp, port: 8080 } }',
        '  api: { depends_on: [store], probe: { type: tcp, port: 8080 } }',
        '',
      ].join('\n'),
  );
}
const configEvents = () => state.records().flatMap((r) => (r.type === 'config' ? [r.detail] : []));

beforeAll(async () => {
  purge(PROJECT);
  write('one');
  const r = await stack(['-f', FILE, 'up', '--detach'], env);
  expect(r.code, r.stdout + r.stderr).toBe(EXIT.OK);
}, 60_000);

afterAll(async () => {
  await stack(['-f', FILE, 'down', '-t', '1'], env);
  purge(PROJECT);
  state.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('the supervisor applies edits by itself', () => {
  it('a compose edit: only the changed service is replaced, within a few seconds, and supervision goes on', async () => {
    const store = containerOf(PROJECT, 'store');
    const api = startedAt(PROJECT, 'api');
    const edited = Date.now();
    write('two');
    // While it is replaced, store has no container of its own for a moment (the old one is aside).
    const current = () => {
      try {
        return containerOf(PROJECT, 'store');
      } catch {
        return undefined;
      }
    };
    await until('the supervisor replaced store', () => current() !== undefined && current() !== store, 20_000);
    await until('it reconciled', () => configEvents().some((d) => d.startsWith('reconciled')), 20_000);
    expect(Date.now() - edited).toBeLessThan(15_000);
    expect(docker('inspect', '-f', '{{range .Config.Env}}{{println .}}{{end}}', containerOf(PROJECT, 'store'))).toContain('MODE=two');
    expect(startedAt(PROJECT, 'api')).toBe(api);
    // Still supervising: a killed container is healed.
    docker('kill', containerOf(PROJECT, 'store'));
    await until('store healed after the reload', () => docker('inspect', '-f', '{{.State.Running}}', containerOf(PROJECT, 'store')) === 'true', 20_000);
  });

  it('an invalid edit is journaled with the problem and leaves everything running', async () => {
    const before = [containerOf(PROJECT, 'store'), containerOf(PROJECT, 'api')];
    const starts = [startedAt(PROJECT, 'store'), startedAt(PROJECT, 'api')];
    write('two', `version: 1\nname: ${PROJECT}\ncompose: { files: [compose.yml] }\nservices:\n  store: { probe: { type: nope } }\n`);
    await until('the invalid edit is reported', () => configEvents().find((d) => d.includes('are invalid')), 20_000);
    expect(configEvents().find((d) => d.includes('are invalid'))).toMatch(/services\.store\.probe.*the running stack is left as it is/);
    expect([containerOf(PROJECT, 'store'), containerOf(PROJECT, 'api')]).toEqual(before);
    expect([startedAt(PROJECT, 'store'), startedAt(PROJECT, 'api')]).toEqual(starts);
    // Fixed again: reconciled with nothing to change.
    const reconciled = configEvents().filter((d) => d.startsWith('reconciled')).length;
    write('two');
    await until('the fixed edit is reconciled', () => configEvents().filter((d) => d.startsWith('reconciled')).length > reconciled, 20_000);
    expect([startedAt(PROJECT, 'store'), startedAt(PROJECT, 'api')]).toEqual(starts);
  });
});
