/**
 * A second Docker engine of a test's own (its own socket, data root and exec root, no iptables, its own
 * address pool), so that a test can stop and restart an engine without touching the shared one. Images are
 * copied into it from the shared engine (`docker save | docker load`).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface SecondEngine {
  /** DOCKER_HOST for it. */
  host: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes everything it had. */
  remove(): Promise<void>;
}

export async function startSecondEngine(images: readonly string[]): Promise<SecondEngine> {
  const dir = mkdtempSync('/tmp/stack-engine2-');
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const args = [
    '--host',
    host,
    '--data-root',
    join(dir, 'data'),
    '--exec-root',
    join(dir, 'exec'),
    '--pidfile',
    join(dir, 'docker.pid'),
    '--bridge',
    'none',
    '--iptables=false',
    '--ip-masq=false',
    '--default-address-pool',
    'base=10.213.0.0/16,size=24',
  ];
  const answers = () => {
    try {
      execFileSync('docker', ['-H', host, 'info'], { stdio: 'ignore', timeout: 5_000 });
      return true;
    } catch {
      return false;
    }
  };
  const pidfile = join(dir, 'docker.pid');
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
    const daemon: ChildProcess = spawn('dockerd', args, { stdio: ['ignore', 'ignore', 'ignore'] });
    daemon.unref();
    for (let i = 0; i < 120 && !answers(); i++) await new Promise((r) => setTimeout(r, 250));
    if (!answers()) throw new Error(`the second engine did not answer on ${host}`);
  };
  const stop = async () => {
    const pid = running();
    if (!pid) return;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 200 && running(); i++) await new Promise((r) => setTimeout(r, 100));
  };
  await start();
  for (const image of images) execFileSync('bash', ['-c', `docker save ${image} | docker -H ${host} load`], { stdio: 'ignore' });
  return {
    host,
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
    },
  };
}
