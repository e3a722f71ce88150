/** Reads the service names declared in compose files, without calling compose (so `validate` needs no Docker). */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { ConfigProblem } from '../core/problems.js';

export interface ComposeServices {
  /** Service names across all files (later files may add services). */
  services: Set<string>;
  problems: ConfigProblem[];
}

export function readComposeServices(files: readonly string[], stackFile: string, baseDir: string): ComposeServices {
  const services = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const [i, file] of files.entries()) {
    const shown = relative(baseDir, file) || file;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      problems.push({ file: stackFile, path: `compose.files[${i}]`, message: `compose file ${shown} does not exist (paths are relative to stack.yaml)` });
      continue;
    }
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const pos = lines.linePos(err.pos[0]);
        problems.push({ file: shown, path: '', message: `not valid YAML: ${err.message.split('\n')[0]}`, line: pos.line, col: pos.col });
      }
      continue;
    }
    const json = doc.toJS() as { services?: Record<string, unknown> } | null;
    for (const name of Object.keys(json?.services ?? {})) services.add(name);
  }
  return { services, problems };
}
