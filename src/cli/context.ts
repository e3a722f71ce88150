/** Loads the stack and wires the real runtime, clock and renderer for a command. */
import { delimiter } from 'node:path';
import { loadStack, type LoadedStack } from '../config/loader.js';
import { systemClock } from '../engine/clock.js';
import { JsonRenderer } from '../report/json-renderer.js';
import { PlainRenderer } from '../report/plain-renderer.js';
import type { Renderer } from '../report/renderer.js';
import { TtyRenderer } from '../report/tty-renderer.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import type { CliIo } from './io.js';

export interface GlobalOptions {
  file: string;
  json?: boolean;
  debug?: boolean;
  composeFile?: string[];
  profile?: string;
}

/** Extra compose files: --compose-file, then STACK_COMPOSE_FILES (separated like PATH). */
export function extraComposeFiles(opts: GlobalOptions, io: CliIo): string[] {
  const fromEnv = (io.env['STACK_COMPOSE_FILES'] ?? '').split(delimiter).filter(Boolean);
  return [...(opts.composeFile ?? []), ...fromEnv];
}

export function load(opts: GlobalOptions, io: CliIo): LoadedStack {
  const projectName = io.env['STACK_PROJECT_NAME'];
  return loadStack(opts.file, { env: io.env, cwd: io.cwd, extraComposeFiles: extraComposeFiles(opts, io), ...(projectName ? { projectName } : {}) });
}

export function runtimeFor(loaded: LoadedStack, io: CliIo): DockerRuntime {
  const { spec } = loaded;
  return new DockerRuntime({ name: spec.name, files: spec.composeFiles, cwd: spec.dir, env: spec.env }, io.env);
}

export const clock = systemClock;

/** A live view on a terminal, plain lines elsewhere (CI, editors' task panes, pipes), JSON when asked. */
export function rendererFor(opts: GlobalOptions, io: CliIo): Renderer {
  if (opts.json) return new JsonRenderer();
  const interactive = io.stdout.isTTY === true && !io.env['CI'] && io.env['TERM'] !== 'dumb';
  return interactive ? new TtyRenderer(io.stdout) : new PlainRenderer(io.stdout);
}

export function profileOf(opts: GlobalOptions, io: CliIo): string | undefined {
  return opts.profile ?? (io.env['STACK_PROFILE'] || undefined);
}
