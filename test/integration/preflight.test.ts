/**
 * Pre-flight checks on the real engine and this machine: a host port taken by a process (named, with its pid),
 * memory limits above what the engine has, an image that is nowhere — `up` refuses with exit 2 before creating
 * anything, `doctor` lists every problem at once, and STACK_PREFLIGHT=0 leaves it to the engine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { docker, projectContainers, purge, stack, testState } from '../support/docker.js';

const PROJECT = 'stack-test-preflight';
const state = testState(PROJECT);
const dir = mkdtempSync(join(tmpdir(), 'stack-preflight-'));
const FILE = join(dir, 'stack.yaml');
let blocker: net.Server;
let port: number;
let env: Record<string, string>;

beforeAll(async () => {
  purge(PROJECT);
  blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '0.0.0.0', r));
  port = (blocker.address() as AddressInfo).port;
  env = { ...state.env, STACK_PROJECT_NAME: PROJECT, STACK_METRICS_ADDR: '', WEB_PORT: String(port), BIG_MEM: '64m' };
  const httpd = 'command: ["httpd", "-f", "-p", "8080", "-h", "/"]';
  writeFileSync(
    join(dir, 'compose.yml'),
    [
      'services:',
      '  web: { image: local/stack-tiny:1, ' + httpd + ', ports: ["127.0.0.1:${WEB_PORT}:8080"] }',
      '  big: { image: local/stack-tiny:1, ' + httpd + ', mem_limit: "${BIG_MEM}" }',
      // Its registry is a port where nothing listens: unreachable on any machine.
      '  nowhere: { image: "localhost:1/stack-test/nowhere:1", ' + httpd + ' }',
      '  fine: { image: local/stack-tiny:1, ' + httpd + ', ports: ["127.0.0.1::8080"] }',
      '',
    ].join('\n'),
  );
  writeFileSync(
    FILE,
    [
      'version: 1',
      `name: ${PROJECT}`,
      'compose: { files: [compose.yml] }',
      'services:',
      '  web: { probe: { type: tcp, port: 8080 } }',
      '  big: { probe: { type: tcp, port: 8080 } }',
      '  nowhere: { probe: { type: tcp, port: 8080 } }',
      '  fine: { probe: { type: tcp, port: 8080 } }',
      '',
    ].join('\n'),
  );
});

afterAll(() => {
  blocker.close();
  purge(PROJECT);
  state.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('pre-flight checks', () => {
  it('up refuses a host port a process holds, naming the port, the process and the fix, before creating anything', async () => {
    const r = await stack(['-f', FILE, 'up', 'web'], env);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain(`✖ host port 127.0.0.1:${port} for web is taken by`);
    expect(r.stderr).toMatch(new RegExp(`taken by .+ \\(pid ${process.pid}\\)\n`));
    expect(r.stderr).toMatch(/services\.web\.ports \(compose\): Stop that process, or publish web on another host port/);
    expect(r.stderr).toMatch(/1 pre-flight problem: nothing was started/);
    expect(projectContainers(PROJECT)).toEqual([]);
  });

  it('doctor lists every problem at once (port, memory, image) and starts nothing; --json for tools', async () => {
    const big = { ...env, BIG_MEM: '100000g' };
    const r = await stack(['-f', FILE, 'doctor'], big);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stdout).toContain(`host port 127.0.0.1:${port} for web is taken`);
    expect(r.stdout).toMatch(/the memory limits of the services to start add up to 100000\.0 GiB \(big 100000\.0 GiB\), more than the engine's [\d.]+ GiB/);
    expect(r.stdout).toContain('image localhost:1/stack-test/nowhere:1 of nowhere is not on this engine and its registry cannot be reached');
    expect(r.stdout).toMatch(/3 problems would stop `stack up`; nothing was started/);
    const json = JSON.parse((await stack(['-f', FILE, '--json', 'doctor'], big)).stdout) as { ok: boolean; problems: { service?: string; severity: string }[] };
    expect(json.ok).toBe(false);
    expect(json.problems.map((p) => p.severity)).toEqual(['error', 'error', 'error']);
    expect(projectContainers(PROJECT)).toEqual([]);
  });

  it('a service that needs nothing the machine lacks passes, and a running one is not checked again', async () => {
    const ok = await stack(['-f', FILE, 'doctor', 'fine', 'big'], env);
    expect(ok.code).toBe(EXIT.OK);
    // The versions the feature checks compare against come from the engine and compose themselves.
    const engine = docker('version', '--format', '{{.Server.Version}} (API {{.Server.APIVersion}})');
    expect(ok.stdout).toContain(`checked against Docker Engine ${engine}, docker-compose `);
    expect((await stack(['-f', FILE, 'up', 'fine'], env)).code).toBe(EXIT.OK);
    const again = await stack(['-f', FILE, 'doctor', 'fine'], env);
    expect(again.stdout).toMatch(/✔ 1 service checked: host ports, disk, memory and images are fine/);
  });

  it('STACK_PREFLIGHT=0 skips them: the engine refuses the taken port itself (exit 5)', async () => {
    const r = await stack(['-f', FILE, 'up', 'web'], { ...env, STACK_PREFLIGHT: '0' });
    expect(r.code).toBe(EXIT.START_FAILED);
  });
});
