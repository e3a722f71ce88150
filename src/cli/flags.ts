/** Flag values shared by several commands. */
import { parseDuration } from '../config/duration.js';
import { UsageError } from '../core/errors.js';

export function waitTimeout(flags: { waitTimeout?: string }): { waitTimeoutMs?: number } {
  if (flags.waitTimeout === undefined) return {};
  const ms = parseDuration(flags.waitTimeout) ?? (/^\d+(\.\d+)?$/.test(flags.waitTimeout) ? Number(flags.waitTimeout) * 1000 : undefined);
  if (ms === undefined) throw new UsageError(`--wait-timeout ${flags.waitTimeout} is not a duration`, 'Give seconds (90) or a duration (90s, 2m).');
  return { waitTimeoutMs: ms };
}

/** The one message for names that are not services of the stack file. */
export function unknownServices(unknown: readonly string[], known: readonly string[]): UsageError {
  return new UsageError(`unknown service${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, `Known services: ${known.join(', ')}`);
}

export { withProfile } from '../config/profiles.js';
