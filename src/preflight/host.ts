/**
 * What the pre-flight checks ask of this machine, behind an interface the tests can replace: is a host port
 * free, who holds it (Linux: from /proc), free bytes under a path, can a registry be reached.
 */
import dgram from 'node:dgram';
import { readdirSync, readFileSync, readlinkSync, statfsSync } from 'node:fs';
import net from 'node:net';

export interface HostChecks {
  portFree(p: { ip: string; port: number; protocol: string }): Promise<boolean>;
  /** Who listens on this port, as `name (pid N)`, when it can be found. */
  portHolder(port: number, protocol: string): string | undefined;
  freeBytes(path: string): number | undefined;
  /** Whether a TCP connection to host:port opens within the timeout (a registry answering). */
  reachable(at: { host: string; port: number }, timeoutMs: number): Promise<boolean>;
}

export const systemHost: HostChecks = {
  portFree: ({ ip, port, protocol }) =>
    new Promise((resolve) => {
      const host = ip || '0.0.0.0';
      if (protocol === 'udp') {
        const s = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
        s.once('error', () => (s.close(), resolve(false)));
        s.bind({ address: host, port, exclusive: true }, () => s.close(() => resolve(true)));
        return;
      }
      const server = net.createServer();
      server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code !== 'EADDRINUSE' && err.code !== 'EACCES'));
      server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
    }),

  portHolder(port, protocol) {
    if (process.platform !== 'linux') return undefined;
    const inodes = new Set<string>();
    for (const table of protocol === 'udp' ? ['udp', 'udp6'] : ['tcp', 'tcp6']) {
      let text = '';
      try {
        text = readFileSync(`/proc/net/${table}`, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length < 10) continue;
        const local = f[1]!;
        const listening = protocol === 'udp' || f[3] === '0A'; // TCP_LISTEN
        if (listening && parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(f[9]!);
      }
    }
    if (inodes.size === 0) return undefined;
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue; // gone, or not ours to read
      }
      for (const fd of fds) {
        let link = '';
        try {
          link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        const m = /^socket:\[(\d+)\]$/.exec(link);
        if (m && inodes.has(m[1]!)) return `${describe(pid)} (pid ${pid})`;
      }
    }
    return undefined;
  },

  freeBytes(path) {
    try {
      const s = statfsSync(path);
      return s.bavail * s.bsize;
    } catch {
      return undefined;
    }
  },

  reachable: ({ host, port }, timeoutMs) =>
    new Promise((resolve) => {
      const s = net.connect({ host, port, timeout: timeoutMs });
      const done = (ok: boolean) => (s.destroy(), resolve(ok));
      s.once('connect', () => done(true));
      s.once('timeout', () => done(false));
      s.once('error', () => done(false));
    }),
};

/** A process by its name only: its command line may carry a password (`redis-server --requirepass …`). */
function describe(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() || 'a process';
  } catch {
    return 'a process';
  }
}

/** Where an image is pulled from (Docker Hub for names without a registry part), as host and port. */
export function registryOf(image: string): { host: string; port: number } {
  const first = image.split('/')[0]!;
  const isHost = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!isHost) return { host: 'registry-1.docker.io', port: 443 };
  const m = /^(.*):(\d+)$/.exec(first);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: first, port: 443 };
}
