/** The one place errors become exit codes. Documented in the README; scripts and CI rely on them. */
import { StackError, type StackErrorCode } from '../core/errors.js';

export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  CONFIG_INVALID: 2,
  USAGE: 2,
  ENGINE_UNREACHABLE: 3,
  GATE_FAILED: 4,
  START_FAILED: 5,
  DEPENDENCY_FAILED: 6,
  BUSY: 7,
  INTERRUPTED: 130,
} as const satisfies Record<StackErrorCode | 'OK' | 'INTERNAL', number>;

/** `stack diff` / `up --dry-run`: up would change something (0: nothing to do). */
export const EXIT_WOULD_CHANGE = 8;

/** Internal: the detached supervisor lost the race for the lock; its parent then joins the winner. */
export const EXIT_LOCK_LOST = 75;

export const exitCodeFor = (code: StackErrorCode): number => EXIT[code];

/** An error as it appears in --json output. */
export function errorJson(err: unknown) {
  if (err instanceof StackError) return { code: err.code, exitCode: EXIT[err.code], message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  return { code: 'INTERNAL', exitCode: EXIT.INTERNAL, message: String((err as Error)?.message ?? err) };
}
