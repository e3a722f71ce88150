/**
 * compose's model and config hashes, asked once and kept in `.stack/<project>/compose-model.json` (0600: the
 * model holds environment values) under a key made of everything that can change them: the compose flavour and
 * its executable, the project name, the bytes of every compose file and env file, the files they reference
 * (env_file, extends), the values of every variable they interpolate and of COMPOSE_* settings. A hit runs no
 * compose process. compose v1 also hashes each service's image id, so on v1 the image ids are checked too.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileDigest, textDigest } from '../config/read-file.js';
import { parseYaml } from '../config/parse-yaml.js';
import type { ComposeFlavor } from './compose-cli.js';
import type { ComposeModel } from './container-spec.js';

export interface ModelSnapshot {
  key: string;
  flavor: ComposeFlavor;
  version: string;
  model: ComposeModel;
  hashes: Record<string, string>;
  /** v1: the image id each image name had when compose hashed it. */
  imageIds: Record<string, string>;
}

export interface KeyInputs {
  flavor: ComposeFlavor;
  /** The compose executable(s), as path:size:mtime, so an upgrade of compose misses. */
  executables: string[];
  project: string;
  files: readonly string[];
  /** compose's working directory (it reads `.env` there). */
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

const fileStamp = (f: string): string => fileDigest(f) || 'absent';

/** Files a compose file points at: env_file and extends.file of each service, resolved from its own directory. */
function referencedFiles(file: string, text: string): string[] {
  // The parser stack.yaml and the compose files were read with (an alias bomb is refused there too).
  const parsed = parseYaml(text);
  if (!parsed.ok) return [];
  const services = (parsed.data as { services?: Record<string, Record<string, unknown>> } | null)?.services ?? {};
  const out: string[] = [];
  for (const s of Object.values(services)) {
    if (!s || typeof s !== 'object') continue;
    const envFiles = Array.isArray(s['env_file']) ? s['env_file'] : s['env_file'] === undefined ? [] : [s['env_file']];
    for (const e of envFiles) {
      const path = typeof e === 'string' ? e : (e as { path?: string } | null)?.path;
      if (path) out.push(resolve(dirname(file), path));
    }
    const ext = s['extends'] as { file?: string } | undefined;
    if (ext?.file) out.push(resolve(dirname(file), ext.file));
  }
  return out;
}

/** The cache key: a digest of every input, never the inputs (variable values stay out of the key). */
export function cacheKey(inputs: KeyInputs): string {
  const h = createHash('sha256');
  const add = (label: string, value: string) => h.update(`${label}\0${value}\0`);
  add('flavor', inputs.flavor);
  inputs.executables.forEach((e) => add('exe', e));
  add('project', inputs.project);
  const variables = new Set<string>();
  const seen = new Set<string>();
  const addFile = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      add('file', `${f}:absent`);
      return;
    }
    add('file', `${f}:${textDigest(text)}`);
    for (const m of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) variables.add(m[1]!);
    for (const r of referencedFiles(f, text)) addFile(r);
  };
  inputs.files.forEach(addFile);
  for (const dir of new Set([inputs.cwd, dirname(inputs.files[0] ?? inputs.cwd)])) add('env-file', `${dir}:${fileStamp(resolve(dir, '.env'))}`);
  for (const [k, v] of Object.entries(inputs.env).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (k.startsWith('COMPOSE_') || k === 'DOCKER_HOST' || variables.has(k)) add('var', `${k}=${textDigest(v ?? '\0unset')}`);
  }
  // Variables referenced but unset count too: setting one later must miss.
  for (const k of [...variables].sort()) if (!(k in inputs.env)) add('unset', k);
  return h.digest('hex');
}

/** Executable identity without running it: path, size and mtime of each candidate that exists. */
export function executableStamps(paths: (string | undefined)[]): string[] {
  return paths.flatMap((p) => {
    if (!p || !existsSync(p)) return [];
    const st = statSync(p);
    return [`${p}:${st.size}:${st.mtimeMs}`];
  });
}

/** Where the snapshot is kept: a private file under the stack's state directory (the caller owns the I/O). */
export interface ModelStore {
  read(): string | undefined;
  write(text: string): void;
}

export function readSnapshot(store: ModelStore | undefined, key: string): ModelSnapshot | undefined {
  try {
    const text = store?.read();
    if (!text) return undefined;
    const snap = JSON.parse(text) as ModelSnapshot;
    return snap.key === key && snap.model && snap.hashes ? snap : undefined;
  } catch {
    return undefined;
  }
}

export function writeSnapshot(store: ModelStore | undefined, snap: ModelSnapshot): void {
  try {
    store?.write(JSON.stringify(snap));
  } catch {
    // A cache: failing to write it costs the next run time, nothing else.
  }
}
