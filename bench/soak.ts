/**
 * Two measurements for issue 8: the supervisor over time (six services supervised with no faults: RSS, open
 * file descriptors and journal size, sampled every few seconds), and how `stack validate` scales with the
 * number of services (2,000 vs 20,000: linear is ~10×, quadratic ~100×).
 */
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { SUPERVISOR_NODE_FLAGS } from '../src/cli/commands/up.js';
import { readOwner } from '../src/state/lock.js';
import { statePaths } from '../src/state/paths.js';
import { median, rssMiB, sleep, timed } from './measure.js';

export interface SoakResult {
  services: number;
  seconds: number;
  samples: { t: number; rssMiB: number; fds: number; journalBytes: number }[];
  /** The same Node, with the supervisor's flags, doing nothing / only loading the libraries the supervisor talks through. */
  floor: { bareMiB: number; librariesMiB: number };
}

/**
 * The clients a supervisor of the six-service stack cannot do without: the engine (events, inspect), one per
 * probe type the stack uses, and the metrics registry. Loading them and nothing else is the floor under the
 * supervisor's RSS; what is above it is ours.
 */
const SUPERVISOR_LIBRARIES = ['docker-compose', 'ioredis', 'pg', 'undici', '@qdrant/js-client-rest', 'prom-client', 'p-retry', 'proper-lockfile'];

/** VmRSS of a Node process that imports `libraries`, then idles 300 ms; the median of three. */
async function nodeFloorMiB(libraries: string[], withEngineClient: boolean): Promise<number> {
  // dockerode as stack loads it (runtime/docker-runtime: without the gRPC and ssh2 it never uses).
  const engine = withEngineClient
    ? `(await import(${JSON.stringify(new URL('../dist/runtime/docker-runtime.js', import.meta.url).href)})).dockerFromEnv({});`
    : '';
  const script = `await Promise.all(${JSON.stringify(libraries)}.map((m) => import(m)));
${engine}
await new Promise((r) => setTimeout(r, 300));
const line = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8').split('\\n').find((l) => l.startsWith('VmRSS:'));
console.log(Number(line.split(/\\s+/)[1]) / 1024);`;
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await timed(process.execPath, [...SUPERVISOR_NODE_FLAGS, '--input-type=module', '-e', script], {}, 60_000);
    if (r.code !== 0) throw new Error(`measuring the RSS floor exited ${r.code}: ${r.stderr.slice(-300)}`);
    runs.push(Number(r.stdout.trim()));
  }
  return median(runs);
}

export interface ValidateScaling {
  runs: { services: number; ms: number }[];
  ratio: number;
}

/** `stack`: the CLI and its leading arguments (the stack file). */
export async function soak(stack: string[], env: Record<string, string>, seconds: number, log: (s: string) => void): Promise<SoakResult> {
  const up = await timed('node', [...stack, 'up', '--detach'], env, 5 * 60_000);
  if (up.code !== 0) throw new Error(`soak: up --detach exited ${up.code}: ${up.stderr.slice(-400)}`);
  const paths = statePaths('', '', env);
  const pid = readOwner(paths)!.pid;
  const samples: SoakResult['samples'] = [];
  const every = seconds >= 300 ? 15 : 5;
  log(`soak: six services supervised for ${seconds}s (pid ${pid}), a sample every ${every}s`);
  try {
    for (let t = 0; t <= seconds; t += every) {
      if (t > 0) await sleep(every * 1000);
      samples.push({ t, rssMiB: rssMiB(pid), fds: readdirSync(`/proc/${pid}/fd`).length, journalBytes: statSync(paths.journal).size });
    }
  } finally {
    await timed('node', [...stack, 'down', '-t', '1'], env, 2 * 60_000);
  }
  const floor = { bareMiB: await nodeFloorMiB([], false), librariesMiB: await nodeFloorMiB(SUPERVISOR_LIBRARIES, true) };
  log(`soak: RSS floor: bare Node ${floor.bareMiB.toFixed(0)} MiB, with the supervisor's libraries ${floor.librariesMiB.toFixed(0)} MiB`);
  return { services: 6, seconds, samples, floor };
}

export async function validateScaling(cli: string): Promise<ValidateScaling> {
  const runs: ValidateScaling['runs'] = [];
  for (const n of [2_000, 20_000]) {
    const dir = mkdtempSync(join(os.tmpdir(), `bench-validate-${n}-`));
    writeFileSync(join(dir, 'compose.yml'), `services:\n${Array.from({ length: n }, (_, i) => `  s${i}: { image: x }\n`).join('')}`);
    const services = Array.from({ length: n }, (_, i) =>
      i % 10 ? `  s${i}: { depends_on: [s${i - 1}] }\n` : `  s${i}: { probe: { type: tcp, port: 80 } }\n`,
    ).join('');
    writeFileSync(join(dir, 'stack.yaml'), `version: 1\nname: big\ncompose: { files: [compose.yml] }\nservices:\n${services}`);
    const ms: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await timed('node', [cli, '-f', join(dir, 'stack.yaml'), 'validate'], {}, 120_000);
      if (r.code !== 0) throw new Error(`validate of ${n} services exited ${r.code}: ${r.stderr.slice(-300)}`);
      ms.push(r.ms);
    }
    runs.push({ services: n, ms: median(ms) });
  }
  return { runs, ratio: runs[1]!.ms / runs[0]!.ms };
}

/** Least-squares slope of RSS over time, in MiB per minute. */
export function rssSlope(samples: SoakResult['samples']): number {
  const n = samples.length;
  const mt = samples.reduce((a, s) => a + s.t, 0) / n;
  const mr = samples.reduce((a, s) => a + s.rssMiB, 0) / n;
  const num = samples.reduce((a, s) => a + (s.t - mt) * (s.rssMiB - mr), 0);
  const den = samples.reduce((a, s) => a + (s.t - mt) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60;
}
