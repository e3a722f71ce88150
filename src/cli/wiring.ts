/** The real runtime and renderer for commands that touch Docker (loaded only by those commands). */
import { JsonRenderer } from '../report/json-renderer.js';
import { PlainRenderer } from '../report/plain-renderer.js';
import type { Renderer } from '../report/renderer.js';
import type { GlobalOptions } from './context.js';
import type { CliIo } from './io.js';

export { runtimeFor } from '../session/runtime.js';

/**
 * A live view on a terminal, plain lines elsewhere (CI, editors' task panes, pipes), JSON when asked. The live
 * view (listr2, ~5 MiB) is loaded only for a terminal: the background supervisor and CI never pay for it.
 */
export async function rendererFor(opts: GlobalOptions, io: CliIo): Promise<Renderer> {
  if (opts.json) return new JsonRenderer();
  const interactive = io.stdout.isTTY === true && !io.env['CI'] && io.env['TERM'] !== 'dumb';
  if (!interactive) return new PlainRenderer(io.stdout, opts.debug === true);
  const { TtyRenderer } = await import('../report/tty-renderer.js');
  return new TtyRenderer(io.stdout, opts.debug === true);
}
