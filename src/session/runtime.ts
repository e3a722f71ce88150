/** The real runtime for a loaded stack: one place for the CLI and the library API. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackSpec } from '../config/types.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import type { ModelStore } from '../runtime/model-cache.js';
import type { StatePaths } from '../state/paths.js';
import { writePrivateFile } from '../state/private-files.js';

/** compose's cached model, a private file in the stack's state directory (it holds environment values). */
export function modelStore(paths: StatePaths): ModelStore {
  const file = join(paths.dir, 'compose-model.json');
  return {
    read: () => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return undefined;
      }
    },
    write: (text) => writePrivateFile(file, text),
  };
}

/** Compose gets the stack's environment plus STACK_TOKEN_FILE, so a compose file can hand the token to a scraper. */
export function runtimeFor(spec: StackSpec, paths: StatePaths): DockerRuntime {
  return new DockerRuntime({ name: spec.name, files: spec.composeFiles, cwd: spec.dir, env: { ...spec.env, STACK_TOKEN_FILE: paths.token } }, spec.env, {
    modelStore: modelStore(paths),
  });
}
