/** Reads the service names declared in compose files, without calling compose (so `validate` needs no Docker). */
import { relative } from 'node:path';
import type { ConfigProblem } from '../core/problems.js';
import { parseYaml } from './parse-yaml.js';
import { MiB, readConfigFile } from './read-file.js';

/** Compose files are data for compose; this is only a guard against reading something that is not one. */
export const COMPOSE_FILE_LIMIT = 16 * MiB;

export interface ComposeServices {
  /** Service names across all files (later files may add services). */
  services: Set<string>;
  problems: ConfigProblem[];
}

export function readComposeServices(files: readonly string[], stackFile: string, baseDir: string): ComposeServices {
  const services = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const [i, file] of files.entries()) {
    const rel = relative(baseDir, file);
    const shown = rel && !rel.startsWith('..') ? rel : file; // a path outside is clearer as it is
    const read = readConfigFile(file, COMPOSE_FILE_LIMIT);
    if (!read.ok) {
      problems.push({ file: stackFile, path: `compose.files[${i}]`, message: `compose file ${shown} ${read.why} (paths are relative to stack.yaml)` });
      continue;
    }
    const parsed = parseYaml(read.text);
    if (!parsed.ok) {
      problems.push(...parsed.problems.map((p) => ({ file: shown, path: '', ...p })));
      continue;
    }
    const doc = parsed.data as { services?: unknown } | null;
    if (doc !== null && typeof doc === 'object' && doc.services !== null && typeof doc.services === 'object') {
      for (const name of Object.keys(doc.services)) services.add(name);
    }
  }
  return { services, problems };
}
