/** Writes schema/stack.schema.json from the zod schema, so editors autocomplete and check stack.yaml. */
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { stackFileSchema } from '../src/config/schema.js';

const schema = {
  ...z.toJSONSchema(stackFileSchema, { io: 'input', target: 'draft-7' }),
  $id: 'https://github.com/fmoua/stack/schema/stack.schema.json',
  title: 'stack.yaml (version 1)',
};
const out = new URL('../schema/stack.schema.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(schema, null, 2)}\n`);
console.log(`wrote ${out.pathname}`);
