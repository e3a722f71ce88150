import net from 'node:net';
import type { ProbeFn } from './types.js';

export const tcpProbe: ProbeFn<'tcp'> = async (probe, ctx) => {
  const { host, port } = await ctx.endpoint(probe.port, probe.host);
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host, port });
    const fail = (err: Error) => {
      socket.destroy();
      reject(new Error(`TCP connect to ${host}:${port} failed: ${err.message}`));
    };
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', fail);
    ctx.signal.addEventListener('abort', () => fail(new Error('aborted')), { once: true });
  });
  return `connected to ${host}:${port}`;
};
