/** Everything a command that touches the stack needs, built once: spec, runtime, state paths, journal. */
import type { LoadedStack } from '../config/loader.js';
import type { StackSpec } from '../config/types.js';
import type { Emit } from '../core/events.js';
import type { Renderer } from '../report/renderer.js';
import type { Runtime } from '../runtime/types.js';
import { Journal } from '../state/journal.js';
import { statePaths, type StatePaths } from '../state/paths.js';
import type { SessionDeps } from '../session/acquire.js';
import { load, type GlobalOptions } from './context.js';
import { runtimeFor } from './wiring.js';
import type { CliIo } from './io.js';

export interface StackContext {
  loaded: LoadedStack;
  spec: StackSpec;
  runtime: Runtime;
  paths: StatePaths;
  journal: Journal;
  session: SessionDeps;
}

export function stackContext(opts: GlobalOptions, io: CliIo): StackContext {
  const loaded = load(opts, io);
  const paths = statePaths(loaded.spec.dir, loaded.spec.name, loaded.spec.env);
  return {
    loaded,
    spec: loaded.spec,
    runtime: runtimeFor(loaded.spec, paths),
    paths,
    journal: new Journal(paths.journal),
    session: { paths, clock: io.clock },
  };
}

/** Every event goes to the journal and, when given, a renderer. */
export function emitTo(journal: Journal, renderer?: Renderer): Emit {
  return (e) => {
    journal.append(e);
    renderer?.onEvent(e);
  };
}
