/** Runs the CLI in-process with captured output (no TTY, so the plain renderer). */
import { runCli } from '../../src/cli/program.js';

export async function cli(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (t: string) => void (stdout += t), isTTY: false },
    stderr: { write: (t: string) => void (stderr += t) },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    onInterrupt: () => () => {},
  });
  return { code, stdout, stderr };
}
