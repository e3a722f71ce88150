/** Global options and loading the stack: the light part every command needs (no Docker client, no renderers). */
import { envOverrides, loadStack, type LoadedStack } from '../config/loader.js';
import type { CliIo } from './io.js';

export interface GlobalOptions {
  file: string;
  json?: boolean;
  debug?: boolean;
  composeFile?: string[];
  profile?: string;
}

export function load(opts: GlobalOptions, io: CliIo): LoadedStack {
  return loadStack(opts.file, { env: io.env, cwd: io.cwd, ...envOverrides(io.env, opts.composeFile) });
}

export function profileOf(opts: GlobalOptions, io: CliIo): string | undefined {
  return opts.profile ?? (io.env['STACK_PROFILE'] || undefined);
}
