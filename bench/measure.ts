/** Process timing, /proc sampling and Docker clean-up for the benchmark. */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Timed {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command, from process start to exit, killed after `timeoutMs` (every run is bounded). */
export function timed(cmd: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<Timed> {
  return new Promise((resolve) => {
    const begin = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: { ...process.env, CI: 'true', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ ms: Number(process.hrtime.bigint() - begin) / 1e6, code, stdout, stderr });
    });
  });
}

export function sh(cmd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 }).trim();
}

/** Removes every container, network and volume of a compose project, however it was left. */
export function purge(project: string): void {
  const ids = sh('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])
    .split('\n')
    .filter(Boolean);
  for (let i = 0; i < ids.length; i += 50) sh('docker', ['rm', '-f', '-v', ...ids.slice(i, i + 50)]);
  for (const n of sh('docker', ['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])
    .split('\n')
    .filter(Boolean))
    try {
      retrying(() => sh('docker', ['network', 'rm', n])); // the engine may still be detaching the removed containers
    } catch (err) {
      // Seen once on Engine 20.10: "has active endpoints" with no container left (a stale endpoint only a
      // daemon restart clears). The next run reuses the network; the benchmark goes on and says so.
      process.stderr.write(`[bench] warning: could not remove network ${n} of ${project}: ${String((err as Error).message).split('\n')[0]}\n`);
    }
  for (const v of sh('docker', ['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])
    .split('\n')
    .filter(Boolean))
    sh('docker', ['volume', 'rm', '-f', v]);
}

/** A few tries, 200 ms apart, for engine calls that race the engine's own clean-up. */
function retrying(fn: () => unknown, tries = 10): void {
  for (let i = 1; ; i++) {
    try {
      fn();
      return;
    } catch (err) {
      if (i >= tries) throw err;
      execFileSync('sleep', ['0.2']);
    }
  }
}

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return ticks / Number(sh('getconf', ['CLK_TCK']));
}

export function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The engine floor of a project that is up: every container of it removed, then created and started again
 * straight through the engine API from its own inspected config (8 in flight, no ordering, no gating): what
 * the engine itself costs to make and start these containers, with nothing of stack or compose in between.
 */
export async function engineFloor(project: string): Promise<number> {
  const { default: Docker } = await import('dockerode');
  const docker = new Docker();
  const found = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
  const specs = await Promise.all(found.map((c) => docker.getContainer(c.Id).inspect()));
  await Promise.all(found.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  const begin = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const i = specs[next++]!;
      const [network, endpoint] = Object.entries(i.NetworkSettings.Networks ?? {})[0] ?? [];
      const container = await docker.createContainer({
        ...i.Config,
        name: i.Name.replace(/^\//, ''),
        HostConfig: i.HostConfig,
        ...(network ? { NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: endpoint?.Aliases ?? [] } } } } : {}),
      } as Parameters<typeof docker.createContainer>[0]);
      await container.start();
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, specs.length) }, worker));
  return Number(process.hrtime.bigint() - begin) / 1e6;
}
