/// <reference lib="dom" />
/**
 * The dashboard in a real browser: Chromium from Debian's archive, driven by playwright-core (no browser
 * download), against the supervisor of the project's six services on the real engine (Qdrant and Grafana are
 * the named STAND-INS). The page shows every service with its state; a killed container turns its node
 * restarting and then healthy without a reload; the restart button restarts through the supervisor (in the
 * journal); no token → 401; a page on another origin cannot make it act. It writes the README's screenshot
 * (to a temp file; with STACK_WRITE_SCREENSHOT=1 to docs/dashboard.png).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { containerOf, docker, purge, RANDOM_PORTS, stack, testState } from '../support/docker.js';
import { until } from '../support/until.js';

const PROJECT = 'stack-test-dashboard';
const state = testState(PROJECT);
const dir = mkdtempSync(join(tmpdir(), 'stack-dashboard-'));
const FILE = join(dir, 'stack.yaml');
const env = {
  ...state.env,
  STACK_PROJECT_NAME: PROJECT,
  STACK_METRICS_ADDR: '',
  POSTGRES_USER: 'stack',
  POSTGRES_PASSWORD: 'dashboard-test-secret',
  POSTGRES_DB: 'stack',
  ...RANDOM_PORTS,
};
const SIX = ['grafana', 'postgres', 'prometheus', 'qdrant', 'rag-server', 'redis'];
const compose = (f: string) => resolve('compose', f);
writeFileSync(
  FILE,
  `version: 1
name: ${PROJECT}
compose: { files: [${compose('docker-compose.yml')}, ${compose('docker-compose.local.yml')}] }
defaults: { startup_timeout: 60s, probe: { interval: 250ms, timeout: 2s }, heal: { liveness: { interval: 500ms } } }
services:
  qdrant: { probe: { type: qdrant, port: 6333 } }
  redis: { probe: { type: redis, port: 6379 } }
  postgres: { probe: { type: postgres, port: 5432, user_env: POSTGRES_USER, password_env: POSTGRES_PASSWORD, database_env: POSTGRES_DB } }
  prometheus: { probe: { type: prometheus, port: 9090 } }
  grafana: { depends_on: [prometheus], probe: { type: grafana, port: 3000 } }
  rag-server:
    depends_on: [qdrant, redis, prometheus]
    probe: { type: http, port: 8080, path: /health, expect: { status: 200, json: { status: ok } } }
`,
);

let browser: Browser;
let page: Page;
let url: string;

beforeAll(async () => {
  purge(PROJECT);
  const r = await stack(['-f', FILE, 'up', '--detach'], env);
  expect(r.code, r.stdout + r.stderr).toBe(EXIT.OK);
  const d = await stack(['-f', FILE, 'dashboard', '--json'], env);
  expect(d.code, d.stderr).toBe(EXIT.OK);
  url = JSON.parse(d.stdout).url;
  const executablePath = execFileSync('bash', ['scripts/provision-browser.sh'], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack(['-f', FILE, 'down', '-t', '1'], env);
  purge(PROJECT);
  state.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('stack dashboard in a real browser', () => {
  it('prints the URL of the supervisor: loopback, with the token', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dashboard\?token=[0-9a-f]{64}$/);
  });

  it('shows every service of the stack with its state, and the edges with their conditions', async () => {
    await page.goto(url);
    for (const s of SIX) await page.waitForSelector(`.node[data-service="${s}"][data-state="healthy"]`, { timeout: 20_000 });
    expect((await page.$$('.node')).length).toBe(6);
    const edges = await page.$$eval('.edge', (els) => els.map((e) => `${e.getAttribute('data-from')}>${e.getAttribute('data-to')} ${e.textContent}`).sort());
    expect(edges).toEqual(['prometheus>grafana healthy', 'prometheus>rag-server healthy', 'qdrant>rag-server healthy', 'redis>rag-server healthy']);
    expect(await page.textContent('#conn')).toBe('live');
    // No secret value reaches the page.
    expect(await page.content()).not.toContain('dashboard-test-secret');
  });

  it('a killed container turns its node restarting, then healthy again, without a reload', async () => {
    await page.evaluate(() => {
      (window as unknown as { seen: string[] }).seen = [];
      (window as unknown as { loadedOnce: boolean }).loadedOnce = true;
      new MutationObserver(() => {
        const s = document.querySelector('.node[data-service="redis"]')?.getAttribute('data-state');
        const seen = (window as unknown as { seen: string[] }).seen;
        if (s && seen.at(-1) !== s) seen.push(s);
      }).observe(document.getElementById('graph')!, { subtree: true, childList: true, attributes: true });
    });
    docker('kill', containerOf(PROJECT, 'redis'));
    await page.waitForFunction(() => (window as unknown as { seen: string[] }).seen.includes('restarting'), undefined, { timeout: 30_000 });
    await page.waitForSelector('.node[data-service="redis"][data-state="healthy"]', { timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true); // the same page: no reload
    expect(await page.evaluate(() => (window as unknown as { seen: string[] }).seen)).toContain('restarting');
  });

  it("a service's panel: its facts, probe latencies, live logs; the restart button restarts it through the supervisor", async () => {
    await page.click('.node[data-service="rag-server"]');
    await page.waitForSelector('aside h2:text("rag-server")');
    await page.waitForSelector('svg.sparkline circle');
    await until('log lines in the panel', async () => ((await page.textContent('#logs')) ?? '').length > 0, 15_000);
    const from = state.records().length;
    await page.click('#restart');
    await page.waitForSelector('#result:text("rag-server healthy")', { timeout: 60_000 });
    const restarted = state
      .records()
      .slice(from)
      .filter((e) => e.type === 'restart' && e.service === 'rag-server');
    expect(restarted.map((e) => (e as { why: string }).why)).toEqual(['manual']);
    // The page hears it from the supervisor too: the node is healthy again without a reload.
    await page.waitForSelector('.node[data-service="rag-server"][data-state="healthy"]', { timeout: 10_000 });
    const shot = join(tmpdir(), 'stack-dashboard.png');
    await page.screenshot({ path: shot });
    if (process.env['STACK_WRITE_SCREENSHOT'] === '1') copyFileSync(shot, 'docs/dashboard.png');
  });

  it('refuses a request without the token (401) and changes nothing', async () => {
    const base = url.replace(/\?token=.*/, '');
    expect((await fetch(base)).status).toBe(401);
    const from = state.records().length;
    const r = await fetch(new URL('/restart', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"services":["redis"]}' });
    expect(r.status).toBe(401);
    expect(
      state
        .records()
        .slice(from)
        .some((e) => e.type === 'restart'),
    ).toBe(false);
  });

  it('a page on another origin cannot make it act (no token header without a CORS preflight nobody answers)', async () => {
    const evil = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'));
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    const other = await browser.newPage();
    try {
      await other.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      const target = new URL('/restart', url).toString();
      const token = new URL(url).searchParams.get('token')!;
      const from = state.records().length;
      // Even knowing the token: a cross-origin request with the header is preflighted, and the preflight fails.
      const outcomes = await other.evaluate(
        async ({ target, token }) => {
          const tries = [
            fetch(target, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"services":["redis"]}' }).then(
              (r) => `no-cors: ${r.type}`,
            ),
            fetch(target, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: '{"services":["redis"]}',
            }).then((r) => `cors: ${r.status}`),
          ];
          return Promise.all(tries.map((t) => t.catch((e: Error) => `blocked: ${e.message}`)));
        },
        { target, token },
      );
      expect(outcomes[0]).toBe('no-cors: opaque');
      expect(outcomes[1]).toMatch(/^blocked/);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(
        state
          .records()
          .slice(from)
          .some((e) => e.type === 'restart'),
      ).toBe(false);
    } finally {
      await other.close();
      evil.close();
    }
  });
});
