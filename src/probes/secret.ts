import type { ProbeContext } from './types.js';

/** The value of an env var a probe names (e.g. password_env); a missing one is an error that names it. */
export function secret(ctx: Pick<ProbeContext, 'env'>, name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const value = ctx.env[name];
  if (value === undefined) throw new Error(`${name} is not set in the environment or the env file`);
  return value;
}
