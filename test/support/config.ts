/** Loading a stack file for tests: the problems it has, formatted as the CLI prints them (none: []). */
import { join } from 'node:path';
import { loadStack } from '../../src/config/loader.js';
import { ConfigError } from '../../src/core/errors.js';
import { formatProblem } from '../../src/report/problems.js';

export function configProblems(dir: string, env: Record<string, string> = {}): string[] {
  try {
    loadStack(join(dir, 'stack.yaml'), { env, cwd: dir });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem);
    throw err;
  }
  return [];
}
