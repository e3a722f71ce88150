/**
 * Ready once a line of the current run's output matches (process-compose's ready_log_line, testcontainers'
 * log wait strategy): for a service that says when it is ready and has nothing else to ask.
 */
import { short } from './network-error.js';
import type { ProbeFn } from './types.js';

export const logProbe: ProbeFn<'log'> = async (probe, ctx) => {
  const pattern = new RegExp(probe.pattern);
  const lines = await ctx.output();
  const hit = lines.find((l) => pattern.test(l));
  if (hit === undefined) {
    const last = lines.at(-1);
    throw new Error(
      `no line of this run matches /${probe.pattern}/ yet (${lines.length} line${lines.length === 1 ? '' : 's'}${last ? `, last: ${short(last)}` : ''})`,
    );
  }
  return `log line matched: ${short(hit)}`;
};
