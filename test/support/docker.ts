/** Small helpers for integration tests: run the built CLI, look at the engine with the docker CLI. */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

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

/** The real binary in a subprocess, without a TTY (as in CI). */
export async function stack(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const begin = Date.now();
  try {
    const { stdout, stderr } = await exec('node', [CLI, ...args], { env: { ...process.env, CI: 'true', ...env }, maxBuffer: 16 * 1024 * 1024 });
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

export function startedAt(container: string): string {
  return docker('inspect', '-f', '{{.State.StartedAt}}', container);
}
