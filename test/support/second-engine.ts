/**
 * A second Docker engine of a test's own, so that a test can stop and restart an engine without touching the
 * shared one: its own socket, data root and exec root, and its own network namespace — a restarting dockerd
 * deletes and recreates its default bridge by name (docker0), which must not be the shared engine's. The
 * commands under test run in that namespace too (`inside`), so its published ports are on their loopback.
 * Images are copied into it from the shared engine (`docker save | docker load`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface SecondEngine {
  /** DOCKER_HOST for it. */
  host: string;
  /** The prefix that runs a command in its network namespace. */
  inside: string[];
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes everything it had. */
  remove(): Promise<void>;
}

export async function startSecondEngine(images: readonly string[]): Promise<SecondEngine> {
  const dir = mkdtempSync('/tmp/stack-engine2-');
  const ns = `stack-e2-${process.pid}`;
  execFileSync('ip', ['netns', 'add', ns]);
  // nsenter enters only the network namespace (`ip netns exec` would also remount /sys and hide the cgroups).
  const inside = ['nsenter', `--net=/run/netns/${ns}`, '--'];
  execFileSync(inside[0]!, [...inside.slice(1), 'ip', 'link', 'set', 'lo', 'up']);
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const pidfile = join(dir, 'docker.pid');
  const args = [
    '--host',
    host,
    '--data-root',
    join(dir, 'data'),
    '--exec-root',
    join(dir, 'exec'),
    '--pidfile',
    pidfile,
    '--iptables=false',
    '--ip-masq=false',
  ];
  const answers = () => {
    try {
      execFileSync('docker', ['-H', host, 'info'], { stdio: 'ignore', timeout: 5_000 });
      return true;
    } catch {
      return false;
    }
  };
  const running = (): number | undefined => {
    try {
      const pid = Number(readFileSync(pidfile, 'utf8'));
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  };
  const start = async () => {
    if (running() && answers()) return;
    const log = openSync(join(dir, 'dockerd.log'), 'a');
    spawn(inside[0]!, [...inside.slice(1), 'dockerd', ...args], { stdio: ['ignore', log, log] }).unref();
    for (let i = 0; i < 120 && !answers(); i++) await new Promise((r) => setTimeout(r, 250));
    if (!answers()) throw new Error(`the second engine did not answer on ${host}; see ${join(dir, 'dockerd.log')}`);
  };
  const stop = async () => {
    const pid = running();
    if (!pid) return;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 300 && running(); i++) await new Promise((r) => setTimeout(r, 100));
  };
  await start();
  for (const image of images) execFileSync('bash', ['-c', `docker save ${image} | docker -H ${host} load`], { stdio: 'ignore' });
  return {
    host,
    inside,
    stop,
    start,
    async remove() {
      await stop();
      // dockerd leaves its data root bind-mounted on itself (overlay2's private mount): unmount what is left.
      const mounts = readFileSync('/proc/mounts', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[1] ?? '')
        .filter((m) => m.startsWith(dir))
        .sort((a, b) => b.length - a.length);
      for (const m of mounts) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
      execFileSync('ip', ['netns', 'delete', ns], { stdio: 'ignore' });
    },
  };
}
