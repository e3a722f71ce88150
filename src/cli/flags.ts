/** Flag values shared by several commands, checked where commander parses them (a bad one exits 2 with the rule). */
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../config/duration.js';
import { MAX_DURATION_MS } from '../config/schema.js';
import { UsageError } from '../core/errors.js';

export function waitTimeout(flags: { waitTimeout?: string }): { waitTimeoutMs?: number } {
  if (flags.waitTimeout === undefined) return {};
  const ms = parseDuration(flags.waitTimeout) ?? (/^\d+(\.\d+)?$/.test(flags.waitTimeout.trim()) ? Math.round(Number(flags.waitTimeout) * 1000) : undefined);
  if (ms === undefined) throw new UsageError(`--wait-timeout ${flags.waitTimeout} is not a duration`, 'Give seconds (90) or a duration (90s, 2m).');
  if (ms < 1_000 || ms > MAX_DURATION_MS) throw new UsageError(`--wait-timeout ${flags.waitTimeout} is out of range`, 'Give at least 1s and at most 24h.');
  return { waitTimeoutMs: ms };
}

/** A commander argument parser for a whole number within bounds. */
export const wholeNumber =
  (min: number, max: number) =>
  (text: string): number => {
    if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError(`"${text}" is not a whole number.`);
    const n = Number(text);
    if (n < min || n > max) throw new InvalidArgumentError(`${n} is out of range (${min} to ${max}).`);
    return n;
  };

/** The one message for names that are not services of the stack file. */
export function unknownServices(unknown: readonly string[], known: readonly string[]): UsageError {
  return new UsageError(`unknown service${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, `Known services: ${known.join(', ')}`);
}

export { withProfile } from '../config/profiles.js';
