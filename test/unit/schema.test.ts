import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { stackFileSchema } from '../../src/config/schema.js';

describe('schema/stack.schema.json', () => {
  it('is the published form of the zod schema (run `npm run schema` after changing it)', () => {
    const published = JSON.parse(readFileSync('schema/stack.schema.json', 'utf8'));
    const { $id: _id, title: _title, ...rest } = published;
    expect(rest).toEqual(z.toJSONSchema(stackFileSchema, { io: 'input', target: 'draft-7' }));
  });
  it('describes every probe type', () => {
    const text = readFileSync('schema/stack.schema.json', 'utf8');
    for (const t of ['tcp', 'http', 'redis', 'postgres', 'qdrant', 'prometheus', 'grafana', 'exec', 'docker']) expect(text).toContain(`"const": "${t}"`);
  });
});
