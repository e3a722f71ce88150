/** Keys stack.yaml allows, for "did you mean" hints on unknown keys. */
import { z } from 'zod';
import { stackFileSchema } from './schema.js';

let known: string[] | undefined;

/** Every key stack.yaml allows anywhere, read off the schema itself (computed once, when a hint is needed). */
export function knownKeys(): readonly string[] {
  if (known) return known;
  const keys = new Set<string>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const o = node as Record<string, unknown>;
    if (o['properties'] && typeof o['properties'] === 'object') Object.keys(o['properties']).forEach((k) => keys.add(k));
    Object.values(o).forEach(walk);
  };
  walk(z.toJSONSchema(stackFileSchema, { io: 'input', unrepresentable: 'any' }));
  return (known = [...keys].filter((k) => k !== '$schema').sort());
}

/** The known key within edit distance 2 of `word`, if exactly one is nearest. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
