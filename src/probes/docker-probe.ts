import type { ProbeFn } from './types.js';

export const dockerProbe: ProbeFn<'docker'> = async (_probe, ctx) => {
  const status = await ctx.healthStatus();
  if (status === undefined) throw new Error('the container has no HEALTHCHECK; use another probe type');
  if (status !== 'healthy') throw new Error(`the container's HEALTHCHECK reports ${status}`);
  return 'HEALTHCHECK healthy';
};
