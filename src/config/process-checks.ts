/**
 * What the schema cannot see of a host process (`command:`) without looking at the machine: its working
 * directory and env files exist, its program is on PATH (or at the path given), and every `${VAR}` in its
 * `env:` is set. Unset variables are warnings (`validate` may run where secrets are absent); `up` refuses them.
 */
import { existsSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import type { ConfigProblem } from '../core/problems.js';
import { findProgram } from '../core/which.js';
import { endpointRefs, interpolateAll } from './interpolate.js';
import type { StackSpec } from './types.js';

/** Words a shell runs itself: a string command starting with one is not looked up on PATH. */
const SHELL_WORDS = new Set(
  '. : [ alias break case cd command continue eval exec exit export for if read set source test trap ulimit umask unset wait while { ( !'.split(' '),
);

/** The program a command runs, when it can be told without running a shell: undefined when it cannot. */
export function programOf(command: string | readonly string[]): string | undefined {
  if (typeof command !== 'string') return command[0];
  const first = command.trim().split(/\s+/)[0] ?? '';
  if (!/^[\w./\\:~+-]+$/.test(first) || first.includes('=') || SHELL_WORDS.has(first)) return undefined;
  return first;
}

export function processProblems(
  spec: StackSpec,
  problem: (path: (string | number)[], message: string) => ConfigProblem,
  platform: NodeJS.Platform = process.platform,
): { errors: ConfigProblem[]; warnings: ConfigProblem[] } {
  const errors: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  for (const s of Object.values(spec.services)) {
    const p = s.process;
    if (!p) continue;
    const shown = (f: string) => relative(spec.dir, f) || '.';
    if (!existsSync(p.cwd) || !statSync(p.cwd).isDirectory()) {
      errors.push(problem(['services', s.name, 'cwd'], `directory ${shown(p.cwd)} does not exist; create it or fix cwd (relative to stack.yaml)`));
      continue;
    }
    p.envFiles.forEach((f, i) => {
      if (!existsSync(f)) errors.push(problem(['services', s.name, 'env_file', ...(p.envFiles.length > 1 ? [i] : [])], `env file ${shown(f)} does not exist`));
    });
    const program = programOf(p.command);
    if (program !== undefined && !findProgram(program.replace(/^~(?=\/)/, spec.env['HOME'] ?? '~'), p.cwd, spec.env, platform)) {
      const where = program.includes('/') ? `at ${program} (relative to ${shown(p.cwd)})` : 'on PATH';
      errors.push(problem(['services', s.name, 'command'], `"${program}" is not an executable program ${where}; install it, or give its path`));
    }
    for (const { key, message } of interpolateAll(p.env, spec.env).problems) warnings.push(problem(['services', s.name, 'env', key], message));
    for (const [key, template] of Object.entries(p.env)) {
      for (const ref of endpointRefs(template)) {
        if (!(ref.service in spec.services))
          errors.push(problem(['services', s.name, 'env', key], `${ref.text} names "${ref.service}", which is not a service in this file`));
        else if (!s.dependsOn.some((d) => d.service === ref.service))
          errors.push(
            problem(
              ['services', s.name, 'env', key],
              `${ref.text}: ${s.name} does not depend on ${ref.service}, so it may start first; add ${ref.service} to its depends_on`,
            ),
          );
      }
    }
  }
  return { errors, warnings };
}
