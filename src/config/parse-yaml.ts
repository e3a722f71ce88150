/**
 * YAML text → data, in linear time. js-yaml parses (about 6× faster than `yaml` on large files and it rejects
 * duplicate keys without the quadratic check `yaml` makes); the `yaml` library is used only on the error
 * path, for its precise messages and positions. Aliases are shared references in js-yaml's output, so a
 * "billion laughs" document is small in memory but exponential to walk: the walk below is bounded and such
 * a document is refused.
 */
import jsyaml from 'js-yaml';
import { createRequire } from 'node:module';
import type { Document, LineCounter } from 'yaml';

const require = createRequire(import.meta.url);

/** The `yaml` library (CommonJS), loaded the first time a problem needs placing: ~15 ms no valid file pays. */
export function yamlLib(): typeof import('yaml') {
  return require('yaml') as typeof import('yaml');
}

/** The document with its source positions, for placing problems. */
export function sourceDocument(text: string): { doc: Document; lines: LineCounter } {
  const { LineCounter, parseDocument } = yamlLib();
  const lines = new LineCounter();
  return { doc: parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false }), lines };
}

/** Nodes a document may expand to when its aliases are followed: far above any real stack or compose file. */
export const MAX_EXPANDED_NODES = 2_000_000;

export interface YamlProblem {
  message: string;
  line: number;
  col: number;
}

export type YamlParse = { ok: true; data: unknown } | { ok: false; problems: YamlProblem[] };

export function parseYaml(text: string): YamlParse {
  let data: unknown;
  try {
    data = jsyaml.load(text);
  } catch (err) {
    const { doc, lines } = sourceDocument(text);
    if (doc.errors.length > 0) {
      return {
        ok: false,
        problems: doc.errors.map((e) => ({ message: `not valid YAML: ${e.message.split('\n')[0]}`, ...lines.linePos(e.pos[0]) })),
      };
    }
    const e = err as { reason?: string; message?: string; mark?: { line: number; column: number } };
    return {
      ok: false,
      problems: [{ message: `not valid YAML: ${e.reason ?? e.message ?? String(err)}`, line: (e.mark?.line ?? 0) + 1, col: (e.mark?.column ?? 0) + 1 }],
    };
  }
  if (expandsBeyond(data, MAX_EXPANDED_NODES)) {
    return {
      ok: false,
      problems: [
        {
          message: `not accepted: its aliases expand to more than ${MAX_EXPANDED_NODES.toLocaleString('en')} values (an alias bomb?); write the values out`,
          line: 1,
          col: 1,
        },
      ],
    };
  }
  return { ok: true, data };
}

/** Walks the data as a consumer would (shared references visited again each time) until `limit` nodes. */
function expandsBeyond(data: unknown, limit: number): boolean {
  let visits = 0;
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (++visits > limit) return true;
    for (const v of Array.isArray(node) ? node : Object.values(node)) if (v !== null && typeof v === 'object') stack.push(v);
  }
  return false;
}
