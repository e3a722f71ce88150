/** Global options and loading the stack: the light part every command needs (no Docker client, no renderers). */
import { loadStack, type LoadedStack } from '../config/loader.js';
import type { StackSpec } from '../config/types.js';
import type { CliIo } from './io.js';

export interface GlobalOptions {
  file: string;
  json?: boolean;
  debug?: boolean;
  composeFile?: string[];
  target?: string;
  profile?: string;
}

export function load(opts: GlobalOptions, io: CliIo): LoadedStack {
  return loadStack(opts.file, { env: io.env, cwd: io.cwd, extraComposeFiles: opts.composeFile ?? [], ...(opts.target ? { target: opts.target } : {}) });
}

/** --profile, else STACK_PROFILE from the environment or the env file. */
export function profileOf(opts: GlobalOptions, spec: Pick<StackSpec, 'env'>): string | undefined {
  return opts.profile ?? (spec.env['STACK_PROFILE'] || undefined);
}
