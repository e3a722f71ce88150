import { httpGet } from './http-get.js';
import { short } from './network-error.js';
import type { ProbeFn } from './types.js';

export const prometheusProbe: ProbeFn<'prometheus'> = async (probe, ctx) => {
  const { host, port } = await ctx.endpoint(probe.port, probe.host);
  const url = `http://${host}:${port}/-/ready`;
  const { status, body } = await httpGet(url, ctx);
  if (status !== 200) throw new Error(`${url} answered ${status}: ${short(body)}`);
  return short(body, 60);
};
