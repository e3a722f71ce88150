/** One line per configuration problem: file:line:col, key path, what is wrong and the fix. */
import type { ConfigProblem } from '../core/problems.js';
import type { MachineProblem } from '../core/errors.js';

/** A pre-flight problem: what, then where the fix goes and the fix. */
export function formatMachineProblem(mark: string, p: MachineProblem): string {
  return `${mark} ${p.message}\n    ${p.key}: ${p.fix}`;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.col ?? 1}`;
  return p.path ? `${where} ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}
