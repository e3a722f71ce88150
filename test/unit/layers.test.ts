/**
 * The layer rule (.dependency-cruiser.cjs) catches an import pointing up, type-only ones too: checked on a
 * small tree of its own, so the rule is known to bite and not only to pass on our code.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

function cruise(files: Record<string, string>): { code: number; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  writeFileSync(
    join(dir, 'tsconfig.build.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['src'] }),
  );
  try {
    const out = execFileSync(resolve('node_modules/.bin/depcruise'), ['src', '--config', resolve('.dependency-cruiser.cjs')], {
      cwd: dir,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { code: 0, out };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { code: e.status, out: e.stdout };
  }
}

describe('layer rule', () => {
  it('passes imports that point down', () => {
    expect(
      cruise({ 'src/core/clock.ts': 'export const x = 1;\n', 'src/engine/up.ts': "import { x } from '../core/clock.js';\nexport const y = x;\n" }).code,
    ).toBe(0);
  });

  it('fails an import from core up to engine', () => {
    const r = cruise({ 'src/engine/up.ts': 'export const x = 1;\n', 'src/core/clock.ts': "import { x } from '../engine/up.js';\nexport const y = x;\n" });
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/layer-core: src\/core\/clock\.ts → src\/engine\/up\.ts/);
  });

  it('fails a type-only import pointing up (notify → healing)', () => {
    const r = cruise({
      'src/healing/supervisor.ts': 'export interface N { a: 1 }\n',
      'src/notify/webhook.ts': "import type { N } from '../healing/supervisor.js';\nexport const n: N | undefined = undefined;\n",
    });
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/layer-state\+report\+notify\+connect: src\/notify\/webhook\.ts → src\/healing\/supervisor\.ts/);
  });
});
