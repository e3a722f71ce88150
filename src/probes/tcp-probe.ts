/**
 * TCP: a connection that is accepted AND stays open. A bare connect is not enough in front of a container:
 * docker's userland proxy (docker-proxy, which serves loopback connections to published ports on Linux) and
 * Docker Desktop's port forwarder accept every connection to a published port, then connect to the
 * container and, when nothing listens there, close the client's connection at once (measured here: 0.2 ms
 * median, 1.3 ms worst of 200). testcontainers answers the same problem with a second check inside the
 * container; this probe answers it from the host: the connection must survive SETTLE_MS, or the service
 * must speak first (a banner), to count.
 *
 * The connection is then closed with a reset (SO_LINGER 0, as easeprobe does; kubelet sets SO_LINGER on its
 * probe connections for the same reason, kubernetes/kubernetes#115143): a liveness probe every second per
 * service would otherwise leave a socket in TIME_WAIT for a minute after each attempt (~3,000 with 50 services).
 */
import net from 'node:net';
import type { ProbeFn } from './types.js';

/** How long an accepted connection must stay open to count as a listener (bounded by the probe timeout). */
export const SETTLE_MS = 50;

export const tcpProbe: ProbeFn<'tcp'> = async (probe, ctx) => {
  const { host, port } = await ctx.endpoint(probe.port, probe.host);
  const settleMs = Math.min(SETTLE_MS, Math.floor(ctx.timeoutMs / 4));
  return new Promise<string>((resolve, reject) => {
    const socket = net.connect({ host, port });
    let settle: NodeJS.Timeout | undefined;
    // Settled once; the abort listener goes with it (every probe's signal is aborted when the attempt ends).
    const done = () => {
      clearTimeout(settle);
      ctx.signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners();
      socket.on('error', () => undefined); // a reset racing the close is nobody's business now
      if (socket.connecting || socket.destroyed) socket.destroy();
      else socket.resetAndDestroy();
    };
    const pass = (how: string) => {
      done();
      resolve(`${how} ${host}:${port}`);
    };
    const fail = (why: string) => {
      done();
      reject(new Error(`TCP connect to ${host}:${port} failed: ${why}`));
    };
    const onAbort = () => fail('aborted');
    socket.once('connect', () => {
      settle = setTimeout(() => pass('connected to'), settleMs);
      socket.once('data', () => pass('connected (the service spoke first) to'));
      socket.once('end', () =>
        fail(
          `the connection was closed right after it was accepted: nothing listens behind the port (a proxy in front of the container, such as docker-proxy, accepts it first)`,
        ),
      );
    });
    socket.once('error', (err) => fail(err.message));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
};
