/**
 * `stack dashboard`: the URL of the live dashboard the running supervisor serves (loopback, with the stack's
 * token in it), opened in the browser when there is a display. Decided: without a supervisor there is no
 * dashboard — it shows live state, healing and logs, which only a supervisor has — so the command says how
 * to start one (exit 2) rather than serving a stale page of its own.
 */
import { spawn } from 'node:child_process';
import { UsageError } from '../../core/errors.js';
import { liveOwner } from '../../state/lock.js';
import { readToken } from '../../state/token.js';
import type { GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { stackContext } from '../stack-context.js';

export interface DashboardFlags {
  /** false with --no-open: print the URL only. */
  open?: boolean;
}

/** How this platform opens a URL in the default browser, when it has a display to show it on. */
export function opener(platform: NodeJS.Platform, env: Readonly<Record<string, string | undefined>>): string[] | undefined {
  if (env['CI']) return undefined;
  if (platform === 'darwin') return ['open'];
  if (platform === 'win32') return ['cmd', '/c', 'start', '""'];
  return env['DISPLAY'] || env['WAYLAND_DISPLAY'] ? ['xdg-open'] : undefined;
}

export async function dashboardCommand(flags: DashboardFlags, opts: GlobalOptions, io: CliIo): Promise<number> {
  const ctx = stackContext(opts, io);
  const owner = liveOwner(ctx.paths);
  const token = readToken(ctx.paths);
  if (owner?.phase !== 'supervising' || !owner.controlPort || !token)
    throw new UsageError(
      `no supervisor runs ${ctx.spec.name}${owner ? ` (pid ${owner.pid} is ${owner.phase})` : ''}: the dashboard is served by the supervisor`,
      'Start one with `stack up --detach` (or `stack up --watch` in another terminal), then run `stack dashboard` again.',
    );
  const url = `http://127.0.0.1:${owner.controlPort}/dashboard?token=${token}`;
  const open = flags.open === false ? undefined : opener(process.platform, io.env);
  if (opts.json) io.stdout.write(`${JSON.stringify({ url, supervisorPid: owner.pid, opened: open !== undefined })}\n`);
  else io.stdout.write(`${url}\n`);
  if (open) {
    const [cmd, ...args] = open;
    const child = spawn(cmd!, [...args, url], { detached: true, stdio: 'ignore' });
    child.on('error', () => io.stderr.write(`could not open a browser (${cmd}); open the URL above\n`));
    child.unref();
  } else if (!opts.json) io.stderr.write('open it in a browser on this machine (it answers on loopback only; the token in it is this stack’s)\n');
  return EXIT.OK;
}
