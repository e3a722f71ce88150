/** Small helpers for integration tests: run the built CLI, look at the engine with the docker CLI. */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ASIDE_SUFFIX } from '../../src/runtime/api-create.js';
import { Journal, type JournalRecord } from '../../src/state/journal.js';
import { statePaths, type StatePaths } from '../../src/state/paths.js';

const exec = promisify(execFile);
export const CLI = 'dist/cli/main.js';

/** Every host port of the project's compose file at 0: random free ports, clear of a developer's stack. */
export const RANDOM_PORTS: Record<string, string> = Object.fromEntries(
  ['QDRANT', 'REDIS', 'POSTGRES', 'PROMETHEUS', 'GRAFANA', 'RAG'].map((s) => [`${s}_PORT`, '0']),
);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The real binary in a subprocess, without a TTY (as in CI); `prefix` runs it through another command (a network namespace). */
export async function stack(args: string[], env: Record<string, string> = {}, prefix: string[] = []): Promise<CliRun> {
  const begin = Date.now();
  try {
    const [cmd, ...pre] = [...prefix, 'node'];
    const { stdout, stderr } = await exec(cmd!, [...pre, CLI, ...args], { env: { ...process.env, CI: 'true', ...env }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr, ms: Date.now() - begin };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '', ms: Date.now() - begin };
  }
}

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

export function projectContainers(project: string): string[] {
  return docker('ps', '-a', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}}').split('\n').filter(Boolean);
}

export function projectNetworks(project: string): string[] {
  return docker('network', 'ls', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Name}}').split('\n').filter(Boolean);
}

export function projectVolumes(project: string): string[] {
  return docker('volume', 'ls', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Name}}').split('\n').filter(Boolean);
}

/** Removes whatever a test left, so one failed test cannot break the next run. */
export function purge(project: string): void {
  const containers = projectContainers(project);
  if (containers.length) docker('rm', '-f', '-v', ...containers);
  for (const n of projectNetworks(project)) docker('network', 'rm', n);
  for (const v of projectVolumes(project)) docker('volume', 'rm', '-f', v);
}

/**
 * The container of a compose service, found by compose's own labels: the same on compose v1 and v2, whatever
 * their naming (project_service_1 or project-service-1).
 */
/** The service's container; not one kept aside (`…-stack-previous`) while `up` replaces it. */
export function containerOf(project: string, service: string): string {
  const ids = docker(
    'ps',
    '-a',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
    '--format',
    '{{.ID}} {{.Names}}',
  )
    .split('\n')
    .filter((line) => line && !line.endsWith(ASIDE_SUFFIX))
    .map((line) => line.split(' ')[0]!);
  if (ids.length !== 1) throw new Error(`expected one container for ${project}/${service}, found ${ids.length}`);
  return ids[0]!;
}

/** When the service's container last started. */
export function startedAt(project: string, service: string): string {
  return docker('inspect', '-f', '{{.State.StartedAt}}', containerOf(project, service));
}

export function containerState(project: string, service: string): string {
  return docker('inspect', '-f', '{{.State.Status}}', containerOf(project, service));
}

/** A test file's own state directory (STACK_STATE_DIR), outside the checkout; `remove` deletes it. */
export function testState(project: string): {
  dir: string;
  env: { STACK_STATE_DIR: string };
  paths: StatePaths;
  journal: Journal;
  records(): JournalRecord[];
  remove(): void;
} {
  const dir = join(mkdtempSync(join(tmpdir(), `${project}-`)), 'state');
  const paths = statePaths('', project, { STACK_STATE_DIR: dir });
  const journal = new Journal(paths.journal);
  return {
    dir,
    env: { STACK_STATE_DIR: dir },
    paths,
    journal,
    records: () => journal.read().records,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Asserts that `first` and `second` both occur in `text`, `first` before `second`. */
export function occursBefore(text: string, first: string, second: string): boolean {
  const a = text.indexOf(first);
  const b = text.indexOf(second);
  if (a < 0) throw new Error(`"${first}" does not occur in the output`);
  if (b < 0) throw new Error(`"${second}" does not occur in the output`);
  return a < b;
}
