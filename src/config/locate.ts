/** Maps a key path back to file:line:col in the parsed YAML, so every problem can point at its source. */
import type { Document, LineCounter, Node } from 'yaml';
import { yamlLib } from './parse-yaml.js';

export interface SourcePos {
  line: number;
  col: number;
}

/**
 * Position of the value at `path`, or of the nearest ancestor that exists. With `atKey`, the position of
 * the last key itself (for unknown keys, where the key is the mistake).
 */
export function locate(doc: Document, lines: LineCounter, path: readonly PropertyKey[], atKey = false): SourcePos | undefined {
  const { isMap, isScalar, isSeq } = yamlLib();
  let node: unknown = doc.contents;
  let pos = rangeStart(node, lines);
  for (const [i, key] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) return pos;
      if (last && atKey) return rangeStart(pair.key, lines) ?? pos;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
    } else {
      return pos;
    }
    pos = rangeStart(node, lines) ?? pos;
  }
  return pos;
}

function rangeStart(node: unknown, lines: LineCounter): SourcePos | undefined {
  const range = (node as Node | undefined)?.range;
  if (!range) return undefined;
  return lines.linePos(range[0]);
}
