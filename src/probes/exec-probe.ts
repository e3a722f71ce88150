import { short } from './network-error.js';
import type { ProbeFn } from './types.js';

export const execProbe: ProbeFn<'exec'> = async (probe, ctx) => {
  const command = typeof probe.command === 'string' ? ['sh', '-c', probe.command] : probe.command;
  const { exitCode, output } = await ctx.exec(command, ctx.signal);
  if (exitCode !== 0) throw new Error(`\`${command.join(' ')}\` exited ${exitCode}${output ? `: ${short(output)}` : ''}`);
  return `\`${command.join(' ')}\` exited 0`;
};
