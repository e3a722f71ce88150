/** The real runtime and renderer for commands that touch Docker (loaded only by those commands). */
import type { StackSpec } from '../config/types.js';
import { JsonRenderer } from '../report/json-renderer.js';
import { PlainRenderer } from '../report/plain-renderer.js';
import type { Renderer } from '../report/renderer.js';
import { TtyRenderer } from '../report/tty-renderer.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import type { GlobalOptions } from './context.js';
import type { CliIo } from './io.js';

export function runtimeFor(spec: StackSpec): DockerRuntime {
  return new DockerRuntime({ name: spec.name, files: spec.composeFiles, cwd: spec.dir, env: spec.env }, spec.env);
}

/** A live view on a terminal, plain lines elsewhere (CI, editors' task panes, pipes), JSON when asked. */
export function rendererFor(opts: GlobalOptions, io: CliIo): Renderer {
  if (opts.json) return new JsonRenderer();
  const interactive = io.stdout.isTTY === true && !io.env['CI'] && io.env['TERM'] !== 'dumb';
  return interactive ? new TtyRenderer(io.stdout) : new PlainRenderer(io.stdout);
}
