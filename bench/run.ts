/**
 * The benchmark (issue 5): time to a healthy stack against the critical path and against compose, the
 * overhead on synthetic graphs, the cost of supervision, and `stack status` latency. Runs alternate between
 * tools within a round; medians and ratios are reported. Every run is bounded and cleaned up.
 *
 *   npm run bench              # full
 *   npm run bench -- --quick   # under 5 minutes
 *   npm run bench -- --quick --only swarm   # the scenarios whose name contains `swarm`
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDocument, type Scalar, type YAMLMap } from 'yaml';
import { loadStack } from '../src/config/loader.js';
import { criticalPath, planWaves } from '../src/graph/plan.js';
import { Journal } from '../src/state/journal.js';
import { readOwner } from '../src/state/lock.js';
import { runtimeFor } from '../src/session/runtime.js';
import { statePaths } from '../src/state/paths.js';
import { cpuSeconds, engineFloor, median, purge, rssMiB, sh, sleep, timed } from './measure.js';
import { markdown, type BenchResults } from './report.js';
import { idealScheduleMs } from './schedule-model.js';
import { composeFile, randomDag, stackFile } from './synthetic.js';
import { soak, validateScaling } from './soak.js';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, out: { type: 'string', default: 'bench/results' }, only: { type: 'string' } },
});
const QUICK = values.quick!;
const CLI = 'dist/cli/main.js';
const MIN = 60_000;
const started = Date.now();
const log = (text: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${text}\n`);

const SIX = 'bench-six';
/**
 * The project's stack.yaml without its host processes (migrate, worker): the six containers, the stack that
 * compose runs too. Written next to stack.yaml (git-ignored) so its compose paths resolve the same way.
 */
const SIX_FILE = '.bench-six.stack.yaml';
function writeSixFile(): void {
  const doc = parseDocument(readFileSync('stack.yaml', 'utf8'));
  const services = doc.get('services') as YAMLMap<Scalar<string>, YAMLMap>;
  for (const pair of [...services.items]) if (pair.value?.has('command')) services.delete(pair.key);
  doc.delete('profiles');
  writeFileSync(SIX_FILE, `# Written by bench/run.ts from stack.yaml: its containers only.\n${doc.toString()}`);
}
const sixEnv: Record<string, string> = {
  STACK_PROJECT_NAME: SIX,
  STACK_COMPOSE_FILES: 'compose/docker-compose.local.yml',
  POSTGRES_USER: 'stack',
  POSTGRES_PASSWORD: 'bench-only',
  POSTGRES_DB: 'stack',
  // A state directory of its own, so the first `up` really finds no cached compose model.
  STACK_STATE_DIR: mkdtempSync(join(os.tmpdir(), 'bench-six-')),
  ...Object.fromEntries(['QDRANT', 'REDIS', 'POSTGRES', 'PROMETHEUS', 'GRAFANA', 'RAG'].map((s) => [`${s}_PORT`, '0'])),
};
const composeFiles = ['compose/docker-compose.yml', 'compose/docker-compose.local.yml', 'compose/docker-compose.healthchecks.yml'];

function composeCommand(): string[] {
  try {
    sh('docker', ['compose', 'version']);
    return ['docker', 'compose'];
  } catch {
    return ['docker-compose'];
  }
}

function machine(): BenchResults['machine'] {
  const compose = composeCommand();
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    engine: sh('docker', ['version', '--format', '{{.Server.Version}} (API {{.Server.APIVersion}})']),
    compose: `${compose.join(' ')} ${sh(compose[0]!, [...compose.slice(1), 'version', '--short'])}`,
  };
}

/** A `stack` command on the six-service stack. */
const sixRun = (args: string[], timeoutMs?: number) => stackRun(['-f', SIX_FILE, ...args], sixEnv, timeoutMs);

async function stackRun(args: string[], env: Record<string, string>, timeoutMs = 5 * MIN) {
  const r = await timed('node', [CLI, ...args], env, timeoutMs);
  if (r.code !== 0) throw new Error(`stack ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-500)}`);
  return r;
}

/** compose itself: `up -d` (which waits for service_healthy dependencies), then until all six are healthy. */
async function composeUp(intervalS: number): Promise<number> {
  const [cmd, ...pre] = composeCommand();
  const begin = Date.now();
  const env = { ...sixEnv, HEALTHCHECK_INTERVAL: `${intervalS}s` };
  const r = await timed(cmd!, [...pre, '-p', SIX, ...composeFiles.flatMap((f) => ['-f', f]), 'up', '-d'], env, 5 * MIN);
  if (r.code !== 0) throw new Error(`compose up failed: ${r.stderr.slice(-500)}`);
  const deadline = begin + 5 * MIN;
  for (;;) {
    const states = sh('docker', ['ps', '--filter', `label=com.docker.compose.project=${SIX}`, '--format', '{{.Status}}'])
      .split('\n')
      .filter(Boolean);
    if (states.length === 6 && states.every((s) => s.includes('(healthy)'))) return Date.now() - begin;
    if (Date.now() > deadline) throw new Error('compose: not all healthy within 5 minutes');
    await sleep(100);
  }
}

async function sixServiceStack(results: BenchResults): Promise<void> {
  const rounds = QUICK ? 1 : 3;
  const createMs: number[] = [];
  const stackUp = async (args: string[]) => {
    const r = await sixRun(['up', ...args, '--json']);
    createMs.push((JSON.parse(r.stdout) as { createMs: number }).createMs);
    return r.ms;
  };
  const tools: [string, () => Promise<number>][] = [
    ['stack up', () => stackUp([])],
    ['stack up --strategy waves', () => stackUp(['--strategy', 'waves'])],
    ['compose, healthchecks every 1s', () => composeUp(1)],
    ['compose, Docker default healthchecks (30s)', () => composeUp(30)],
  ];
  const runs: Record<string, number[]> = Object.fromEntries(tools.map(([name]) => [name, []]));
  // The first `up` after the compose files change asks compose for its model (a cache miss); every later one
  // does not. That first run is reported on its own; the rounds measure the everyday path.
  purge(SIX);
  log('six services: the first up (compose model not cached yet)');
  const first = await sixRun(['up', '--json']);
  const firstRun = { ms: first.ms, createMs: (JSON.parse(first.stdout) as { createMs: number }).createMs };
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of tools) {
      purge(SIX);
      log(`six services, round ${round + 1}/${rounds}: ${name}`);
      runs[name]!.push(await run());
      if (round === 0 && name === 'stack up') await onHealthySix(results);
    }
  }
  purge(SIX);

  // The floor: each service's own time to ready, alone (its dependencies already up), summed along the longest chain.
  log('six services: each alone, for the critical path');
  const { spec } = loadStack(SIX_FILE, { env: { ...process.env, ...sixEnv } });
  const readyMs: Record<string, number> = {};
  for (const [name, s] of Object.entries(spec.services)) {
    const samples = [];
    for (let i = 0; i < (QUICK ? 1 : 3); i++) {
      purge(SIX);
      if (s.dependsOn.length) await sixRun(['up', ...s.dependsOn.map((d) => d.service)]);
      const doc = JSON.parse((await sixRun(['up', name, '--json'])).stdout) as { services: { name: string; readyMs: number }[] };
      samples.push(doc.services.find((x) => x.name === name)!.readyMs);
    }
    readyMs[name] = median(samples);
  }
  purge(SIX);
  const floor = criticalPath(spec.services, readyMs);
  const medians = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
  results.six = { runs, medians, createMs: median(createMs), criticalPath: { ...floor, readyMs }, engineFloorMs: median(engineFloors.six), firstRun };
}

/** On the healthy six-service stack: `up` again and `status`, alone and under a supervisor; then the engine floor. */
async function onHealthySix(results: BenchResults): Promise<void> {
  const times = async (args: string[]) => {
    const ms = [];
    for (let i = 0; i < (QUICK ? 3 : 5); i++) ms.push((await sixRun(args)).ms);
    return median(ms);
  };
  const idempotent = { upMs: await times(['up']), statusMs: await times(['status', '--json']), supervisedUpMs: 0, supervisedStatusMs: 0 };
  await sixRun(['up', '--detach']);
  await sleep(1_500); // a liveness round, so the supervisor has probe results of its own
  idempotent.supervisedUpMs = await times(['up']);
  idempotent.supervisedStatusMs = await times(['status', '--json']);
  await sixRun(['down', '-t', '1']);
  results.status.push({ services: 6, ms: idempotent.statusMs });
  results.idempotent = idempotent;
  await sixRun(['up']); // down removed the containers: the floor needs them as stack made them
  engineFloors.six.push(await engineFloor(SIX));
}

const engineFloors = { six: [] as number[] };

async function syntheticGraphs(results: BenchResults): Promise<void> {
  const sizes = QUICK ? [20, 50] : [20, 50, 200];
  for (const n of sizes) {
    const project = `bench-syn-${n}`;
    const dag = randomDag(n);
    const dir = mkdtempSync(join(os.tmpdir(), `${project}-`));
    writeFileSync(join(dir, 'compose.yml'), composeFile(dag, 'local/stack-tiny:1'));
    writeFileSync(join(dir, 'stack.yaml'), stackFile(project, dag, { intervalMs: 1_000 }));
    const file = join(dir, 'stack.yaml');
    const env = { STACK_PROJECT_NAME: project, STACK_STATE_DIR: join(dir, '.stack'), STACK_METRICS_ADDR: '' };

    const { spec } = loadStack(file, { env: {} });
    const planUs: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = process.hrtime.bigint();
      planWaves(spec.services);
      planUs.push(Number(process.hrtime.bigint() - t) / 1e3);
    }
    const planCli = [];
    for (let i = 0; i < 3; i++) planCli.push((await stackRun(['-f', file, 'plan', '--json'], env)).ms);
    const floor = criticalPath(spec.services, Object.fromEntries(dag.map((s) => [s.name, s.readyDelayMs])));

    purge(project);
    log(`synthetic ${n} services: the first up (compose model not cached yet)`);
    const first = await stackRun(['-f', file, 'up', '--json'], env, 15 * MIN);
    const firstRun = { ms: first.ms, createMs: (JSON.parse(first.stdout) as { createMs: number }).createMs };
    const upMs = [];
    const createMs = [];
    const runs = QUICK || n === 200 ? 1 : 3;
    for (let i = 0; i < runs; i++) {
      purge(project);
      log(`synthetic ${n} services, run ${i + 1}/${runs}`);
      const r = await stackRun(['-f', file, 'up', '--json'], env, 15 * MIN);
      upMs.push(r.ms);
      createMs.push((JSON.parse(r.stdout) as { createMs: number }).createMs);
    }
    log(`synthetic ${n} services: the engine floor`);
    const engineFloorMs = await engineFloor(project);
    const up = median(upMs);
    results.synthetic.push({
      engineFloorMs,
      idealMs: idealScheduleMs(dag, engineFloorMs / n),
      firstRun,
      services: n,
      waves: planWaves(spec.services).length,
      criticalPathMs: floor.ms,
      upMs,
      medianUpMs: up,
      overheadMs: up - floor.ms,
      overheadPerServiceMs: (up - floor.ms) / n,
      createMs: median(createMs),
      planInProcessUs: median(planUs),
      planCliMs: median(planCli),
    });
    if (n === 50) await supervision(results, file, env, project, spec.name);
    purge(project);
  }
}

/** 50 services supervised, probed every second: the supervisor's CPU and memory, then ≥10 kills. */
async function supervision(results: BenchResults, file: string, env: Record<string, string>, project: string, name: string): Promise<void> {
  purge(project);
  await stackRun(['-f', file, 'up', '--detach'], env, 15 * MIN);
  const paths = statePaths('', name, env);
  const pid = readOwner(paths)!.pid;
  const seconds = QUICK ? 20 : 60;
  log(`supervision: 50 services probed every 1s for ${seconds}s (pid ${pid})`);
  const cpu0 = cpuSeconds(pid);
  const rss: number[] = [];
  for (let t = 0; t < seconds; t++) {
    await sleep(1_000);
    rss.push(rssMiB(pid));
  }
  const cpuPercent = ((cpuSeconds(pid) - cpu0) / seconds) * 100;

  const journal = new Journal(paths.journal);
  const detect: number[] = [];
  const recover: number[] = [];
  const kills = 10;
  for (let i = 0; i < kills; i++) {
    const victim = `s${String(49 - i).padStart(3, '0')}`;
    const at = Date.now();
    const id = sh('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=com.docker.compose.service=${victim}`]);
    sh('docker', ['kill', '-s', 'KILL', id]);
    const deadline = at + 60_000;
    for (;;) {
      const records = journal.read().records.filter((r) => r.at >= at && 'service' in r && r.service === victim);
      const d = records.find((r) => r.type === 'detected');
      const rec = records.find((r) => r.type === 'recovered');
      if (d && rec) {
        detect.push(d.at - at);
        recover.push(rec.at - at);
        break;
      }
      if (Date.now() > deadline) throw new Error(`${victim} did not recover within 60 s`);
      await sleep(50);
    }
    log(`kill ${i + 1}/${kills}: ${victim} detected in ${detect.at(-1)} ms, healthy again in ${recover.at(-1)} ms`);
  }
  const status = [];
  for (let i = 0; i < (QUICK ? 3 : 5); i++) status.push((await stackRun(['-f', file, 'status', '--json'], env)).ms);
  results.status.push({ services: 50, ms: median(status) });
  results.supervision = {
    services: 50,
    seconds,
    cpuPercent,
    rssMiB: { median: median(rss), max: Math.max(...rss) },
    kills,
    detectionMs: { median: median(detect), samples: detect },
    recoveryMs: { median: median(recover), samples: recover },
  };
  await stackRun(['-f', file, 'down', '--volumes', '-t', '1'], env);
}

/**
 * The six on a single-node swarm (the engine put into swarm mode for this and left as found): `stack up
 * --target swarm` from nothing against the engine's own cost — the same six swarm services created and scaled
 * up all at once, no ordering, no probes, until every task runs (the floor) — within one run.
 */
async function swarmSix(results: BenchResults): Promise<void> {
  const wasActive = sh('docker', ['info', '--format', '{{.Swarm.LocalNodeState}}']) === 'active';
  if (!wasActive) sh('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1']);
  const project = 'bench-swarm';
  const env = { ...sixEnv, STACK_PROJECT_NAME: project, STACK_TARGET: 'swarm', STACK_STATE_DIR: mkdtempSync(join(os.tmpdir(), 'bench-swarm-')) };
  const { spec } = loadStack(SIX_FILE, { env: { ...process.env, ...env } });
  const runtime = runtimeFor(spec, statePaths(spec.dir, spec.name, spec.env));
  const names = Object.values(spec.services).map((s) => s.composeService);
  const clear = async () => {
    await runtime.down({ volumes: true });
  };
  const floorOnce = async () => {
    const begin = Date.now();
    await runtime.create(names);
    await Promise.all(names.map((n) => runtime.start(n)));
    for (;;) {
      const waiting = await Promise.all(names.map((n) => runtime.converged!(n)));
      if (waiting.every((w) => w === undefined)) return Date.now() - begin;
      if (Date.now() - begin > 5 * MIN) throw new Error(`swarm floor: not converged within 5 minutes (${waiting.filter(Boolean).join('; ')})`);
      await sleep(50);
    }
  };
  try {
    const runs: Record<string, number[]> = { 'stack up --target swarm': [], 'engine floor: all six created and scaled at once, until every task runs': [] };
    for (let round = 0; round < (QUICK ? 1 : 3); round++) {
      await clear();
      log(`swarm, round ${round + 1}: stack up --target swarm`);
      runs['stack up --target swarm']!.push((await stackRun(['-f', SIX_FILE, 'up'], env)).ms);
      await clear();
      log(`swarm, round ${round + 1}: the engine floor`);
      runs['engine floor: all six created and scaled at once, until every task runs']!.push(await floorOnce());
    }
    results.swarm = { runs, medians: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)])) };
  } finally {
    await clear().catch(() => undefined);
    if (!wasActive) sh('docker', ['swarm', 'leave', '--force']);
  }
}

/**
 * The dashboard, in Chromium from Debian's archive (scripts/provision-browser.sh): the page's weight (HTML,
 * script, dagre) and, on the supervised six-service stack, first contentful paint and the time until every
 * node is drawn with its state (medians of fresh page loads).
 */
async function dashboard(results: BenchResults): Promise<void> {
  const { chromium } = await import('playwright-core');
  const executablePath = sh('bash', ['scripts/provision-browser.sh']).split('\n').at(-1)!;
  purge(SIX);
  await sixRun(['up', '--detach']);
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const url = (JSON.parse((await sixRun(['dashboard', '--json'])).stdout) as { url: string }).url;
    const bytes: Record<string, number> = {};
    for (const [name, path] of [
      ['html', '/dashboard'],
      ['script', '/dashboard/app.js'],
      ['dagre', '/dashboard/dagre.js'],
    ] as const) {
      const u = new URL(url);
      u.pathname = path;
      bytes[name] = (await (await fetch(u)).arrayBuffer()).byteLength;
    }
    const paint: number[] = [];
    const drawn: number[] = [];
    for (let i = 0; i < (QUICK ? 3 : 7); i++) {
      const page = await browser.newPage();
      const begin = Date.now();
      await page.goto(url);
      await page.waitForFunction((n) => document.querySelectorAll('.node[data-state="healthy"]').length === n, 6);
      drawn.push(Date.now() - begin);
      paint.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1));
      await page.close();
    }
    results.dashboard = { bytes, firstPaintMs: median(paint), allNodesMs: median(drawn) };
  } finally {
    await browser.close();
    await sixRun(['down', '-t', '1']).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const results: BenchResults = { date: new Date().toISOString(), quick: QUICK, machine: machine(), synthetic: [], status: [] };
  log(`machine: ${JSON.stringify(results.machine)}`);
  writeSixFile();
  // A scenario that fails is recorded and the others still run: a partial table beats none.
  for (const [name, scenario] of [
    ['six-service stack', sixServiceStack],
    ['synthetic graphs', syntheticGraphs],
    ['swarm', swarmSix],
    ['dashboard', dashboard],
    ['validate scaling', async (r: BenchResults) => void (r.validate = await validateScaling(CLI))],
    [
      'soak',
      async (r: BenchResults) =>
        void (r.soak = await soak(
          [CLI, '-f', SIX_FILE],
          { ...sixEnv, STACK_STATE_DIR: mkdtempSync(join(os.tmpdir(), 'bench-soak-')), STACK_METRICS_ADDR: '' },
          QUICK ? 60 : 600,
          log,
        )),
    ],
  ] as const) {
    if (values.only && !name.includes(values.only)) continue;
    try {
      await scenario(results);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log(`${name} failed: ${message}`);
      (results.errors ??= []).push({ scenario: name, message });
    } finally {
      for (const p of [SIX, 'bench-syn-20', 'bench-syn-50', 'bench-syn-200']) purge(p);
    }
  }
  results.durationS = Math.round((Date.now() - started) / 1000);
  mkdirSync(values.out!, { recursive: true });
  const stamp = results.date.replace(/[:.]/g, '-');
  writeFileSync(join(values.out!, `${stamp}${QUICK ? '-quick' : ''}.json`), `${JSON.stringify(results, null, 2)}\n`);
  const md = markdown(results);
  writeFileSync(join(values.out!, `${stamp}${QUICK ? '-quick' : ''}.md`), md);
  process.stdout.write(md);
  log(`done in ${results.durationS}s; results in ${values.out}/`);
  if (results.errors?.length) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
