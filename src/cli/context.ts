/** Global options and loading the stack: the light part every command needs (no Docker client, no renderers). */
import { delimiter } from 'node:path';
import { loadStack, type LoadedStack } from '../config/loader.js';
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

export function profileOf(opts: GlobalOptions, io: CliIo): string | undefined {
  return opts.profile ?? (io.env['STACK_PROFILE'] || undefined);
}
