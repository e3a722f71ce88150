import net from 'node:net';
import type { ProbeFn } from './types.js';

export const tcpProbe: ProbeFn<'tcp'> = async (probe, ctx) => {
  const { host, port } = await ctx.endpoint(probe.port, probe.host);
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host, port });
    // Settled once; the abort listener goes with it (every probe's signal is aborted when the attempt ends).
    const done = () => {
      ctx.signal.removeEventListener('abort', onAbort);
      socket.destroy();
    };
    const fail = (why: string) => {
      done();
      reject(new Error(`TCP connect to ${host}:${port} failed: ${why}`));
    };
    const onAbort = () => fail('aborted');
    socket.once('connect', () => {
      done();
      resolve();
    });
    socket.once('error', (err) => fail(err.message));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  return `connected to ${host}:${port}`;
};
