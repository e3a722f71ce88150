/** The real runtime for a loaded stack: one place for the CLI and the library API. */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StackSpec } from '../config/types.js';
import { ComposeCli, detectCompose } from '../runtime/compose-cli.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import { SwarmRuntime } from '../runtime/swarm/swarm-runtime.js';
import type { ModelStore } from '../runtime/model-cache.js';
import { MixedRuntime } from '../runtime/mixed-runtime.js';
import { ProcessRuntime, type ProcessRecord, type ProcessStore } from '../runtime/process/process-runtime.js';
import type { Runtime } from '../runtime/types.js';
import type { StatePaths } from '../state/paths.js';
import { ensurePrivateDir, writePrivateFile } from '../state/private-files.js';

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

/** Host processes' records (`processes/<service>.json`) and logs (`logs/<service>.log`), private files in the state directory. */
export function processStore(paths: StatePaths): ProcessStore {
  const record = (s: string) => join(paths.dir, 'processes', `${s}.json`);
  return {
    logFile: (s, forWriting) => {
      if (forWriting) ensurePrivateDir(join(paths.dir, 'logs'));
      return join(paths.dir, 'logs', `${s}.log`);
    },
    read: (s) => {
      try {
        const r = JSON.parse(readFileSync(record(s), 'utf8')) as ProcessRecord;
        return Number.isInteger(r.pid) && r.pid > 0 && typeof r.startTime === 'string' ? r : undefined;
      } catch {
        return undefined;
      }
    },
    list: () => {
      try {
        return readdirSync(join(paths.dir, 'processes')).flatMap((f) => (f.endsWith('.json') ? [f.slice(0, -'.json'.length)] : []));
      } catch {
        return [];
      }
    },
    write: (s, r) => writePrivateFile(record(s), `${JSON.stringify(r)}\n`),
    remove: (s) => rmSync(record(s), { force: true }),
  };
}

/**
 * The stack's runtime: compose containers through the engine, plus its host processes when it has any.
 * Compose gets the stack's environment plus STACK_TOKEN_FILE, so a compose file can hand the token to a scraper.
 */
export function runtimeFor(spec: StackSpec, paths: StatePaths): Runtime {
  const project = { name: spec.name, files: spec.composeFiles, cwd: spec.dir, env: { ...spec.env, STACK_TOKEN_FILE: paths.token } };
  const containers =
    spec.target === 'swarm'
      ? new SwarmRuntime({
          namespace: spec.name,
          env: spec.env,
          orderedAfter: orderedAfter(spec),
          model: async () => new ComposeCli(project, await detectCompose(spec.env['STACK_COMPOSE'], spec.env['PATH'] ?? '')).model(),
        })
      : new DockerRuntime(project, spec.env, { modelStore: modelStore(paths) });
  const processes = Object.fromEntries(Object.values(spec.services).flatMap((s) => (s.process ? [[s.name, s.process] as const] : [])));
  const store = processStore(paths);
  // Without processes of its own the stack may still have records of ones it no longer defines (orphans).
  if (Object.keys(processes).length === 0 && store.list().length === 0) return containers;
  // `${redis.port:6379}` in a process's env: wherever the stack's runtime says that service listens.
  const mixed: MixedRuntime = new MixedRuntime(
    containers,
    new ProcessRuntime({ processes, env: spec.env, store, resolve: (service, port) => mixed.endpoint(service, port) }),
  );
  return mixed;
}

/** The compose services each compose service comes after in stack.yaml's graph, transitively (for the swarm checks). */
function orderedAfter(spec: StackSpec): (composeService: string) => ReadonlySet<string> {
  const byCompose = new Map(Object.values(spec.services).map((s) => [s.composeService, s] as const));
  return (composeService) => {
    const out = new Set<string>();
    const visit = (name: string) => {
      for (const d of spec.services[name]?.dependsOn ?? []) {
        const dep = spec.services[d.service];
        if (!dep || out.has(dep.composeService)) continue;
        out.add(dep.composeService);
        visit(dep.name);
      }
    };
    const own = byCompose.get(composeService);
    if (own) visit(own.name);
    return out;
  };
}
