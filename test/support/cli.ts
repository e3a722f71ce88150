/** Runs the CLI in-process with captured output (no TTY, so the plain renderer) and state in a temp dir. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { systemClock } from '../../src/core/clock.js';

export async function cli(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (t: string) => void (stdout += t), isTTY: false },
    stderr: { write: (t: string) => void (stderr += t) },
    // Whatever a command writes under .stack/ goes to a temp dir, never into the checkout. PATH as any shell has
    // it (host processes' programs are looked up on it); nothing else of this process's environment.
    env: { PATH: process.env['PATH'], STACK_STATE_DIR: mkdtempSync(join(tmpdir(), 'stack-cli-state-')), ...options.env },
    cwd: options.cwd ?? process.cwd(),
    clock: systemClock,
    onInterrupt: () => () => {},
    exit: (c) => {
      throw new Error(`the command asked to exit the process with ${c}`);
    },
  });
  return { code, stdout, stderr };
}
