/**
 * Hostile and broken inputs to the loader: each gets a clear problem with the file, the key and the fix, and
 * exit 2 from the CLI; none hangs, runs out of memory or prints a stack trace. Every file is made in a temp dir.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { loadStack } from '../../src/config/loader.js';
import { cli } from '../support/cli.js';
import { configProblems } from '../support/config.js';

const COMPOSE = 'services:\n  api: { image: x }\n  db: { image: x }\n';

/** A stack dir with the given stack.yaml (and compose.yml unless `compose` is false). */
function stackDir(stack: string, compose: string | false = COMPOSE): string {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
  writeFileSync(join(dir, 'stack.yaml'), stack);
  if (compose !== false) writeFileSync(join(dir, 'compose.yml'), compose);
  return dir;
}
const base = (files = '[compose.yml]', rest = '') => `version: 1\nname: h\ncompose: { files: ${files} }\n${rest}services:\n  api: {}\n  db: {}\n`;

const problems = configProblems;

describe('hostile YAML', () => {
  it('an alias bomb is refused with exit 2, not expanded', async () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
      ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
    ].join('\n');
    const dir = stackDir(`${bomb}\n${base()}`);
    const r = await cli(['-f', join(dir, 'stack.yaml'), 'validate']);
    expect(r.code).toBe(EXIT.CONFIG_INVALID);
    expect(r.stderr).toMatch(/its aliases expand to more than 2,000,000 values \(an alias bomb\?\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('duplicate keys are a problem with their position', () => {
    expect(problems(stackDir(`version: 1\nversion: 1\nname: h\ncompose: { files: [compose.yml] }\nservices: { api: {} }\n`))).toEqual([
      expect.stringMatching(/stack\.yaml:2:\d+: not valid YAML: .*(duplicate|Map keys must be unique|duplicated mapping key)/i),
    ]);
  });

  it('a stack file larger than 4 MiB is refused before it is parsed', () => {
    const dir = stackDir(`${base()}# ${'x'.repeat(5 * 1024 * 1024)}\n`);
    expect(problems(dir)).toEqual([expect.stringMatching(/stack\.yaml: is 5\.0 MiB; stack reads at most 4 MiB from such a file; pass the stack file with -f/)]);
  });

  it('20,000 services load (validation is linear; its time is in the benchmark)', () => {
    const n = 20_000;
    const compose = `services:\n${Array.from({ length: n }, (_, i) => `  s${i}: { image: x }\n`).join('')}`;
    const services = Array.from({ length: n }, (_, i) =>
      i % 10 ? `  s${i}: { depends_on: [s${i - 1}] }\n` : `  s${i}: { probe: { type: tcp, port: 80 } }\n`,
    ).join('');
    const dir = stackDir(`version: 1\nname: big\ncompose: { files: [compose.yml] }\nservices:\n${services}`, compose);
    const { spec } = loadStack(join(dir, 'stack.yaml'), { env: {}, cwd: dir });
    expect(Object.keys(spec.services)).toHaveLength(n);
  });
});

describe('a cycle through 20,000 services', () => {
  it('is reported (shortened), not a stack overflow', async () => {
    const n = 20_000;
    const compose = `services:\n${Array.from({ length: n }, (_, i) => `  s${i}: { image: x }\n`).join('')}`;
    const services = Array.from({ length: n }, (_, i) => `  s${i}: { depends_on: [s${(i + 1) % n}] }\n`).join('');
    const dir = stackDir(`version: 1\nname: ring\ncompose: { files: [compose.yml] }\nservices:\n${services}`, compose);
    const r = await cli(['-f', join(dir, 'stack.yaml'), 'validate']);
    expect(r.code).toBe(EXIT.CONFIG_INVALID);
    expect(r.stderr).toMatch(
      /services\.s0\.depends_on: dependency cycle s0 → s1 → s2 → s3 → s4 → s5 → … 19991 more … → s19997 → s19998 → s19999 → s0; remove one/,
    );
    expect(r.stderr).not.toMatch(/Maximum call stack|\n\s+at /);
  });
});

describe('files that are not regular files', () => {
  it.each([
    [
      'a named pipe',
      (dir: string) => execFileSync('mkfifo', [join(dir, 'pipe.yml')]),
      'pipe.yml',
      /compose file pipe\.yml is not a regular file \(a named pipe\)/,
    ],
    ['/dev/zero', () => {}, '/dev/zero', /compose file \/dev\/zero is not a regular file \(a device\)/],
    ['a directory', (dir: string) => mkdirSync(join(dir, 'adir')), 'adir', /compose file adir is a directory, not a file/],
    [
      'a symlink loop',
      (dir: string) => (symlinkSync('loop-b', join(dir, 'loop-a')), symlinkSync('loop-a', join(dir, 'loop-b'))),
      'loop-a',
      /compose file loop-a is a symlink loop/,
    ],
    ['missing', () => {}, 'nope.yml', /compose file nope\.yml does not exist/],
  ])('%s in compose.files is named as such', (_name, make, file, expected) => {
    const dir = stackDir(base(`[compose.yml, ${JSON.stringify(file)}]`));
    make(dir);
    const found = problems(dir);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/stack\.yaml:3:\d+ compose\.files\[1\]: /);
    expect(found[0]).toMatch(expected);
  });

  it('/dev/zero as the env file is refused, not read until memory runs out', () => {
    expect(problems(stackDir(base('[compose.yml]', 'env_file: /dev/zero\n')))).toEqual([
      expect.stringMatching(/env_file: env file .*dev\/zero is not a regular file \(a device\)/),
    ]);
  });

  it('a named pipe as the stack file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
    execFileSync('mkfifo', [join(dir, 'stack.yaml')]);
    const r = await cli(['-f', join(dir, 'stack.yaml'), 'validate']);
    expect(r.code).toBe(EXIT.CONFIG_INVALID);
    expect(r.stderr).toMatch(/is not a regular file \(a named pipe\); pass the stack file with -f\/--file PATH/);
  });
});

describe('values out of range', () => {
  it.each([
    [
      'interval: 0ms',
      'defaults: { probe: { interval: 0ms } }\n',
      /defaults\.probe\.interval: "0ms" must be between 100ms and 24h \(a probe every few ms floods/,
    ],
    ['a duration past Node timers', 'defaults: { startup_timeout: 999999h }\n', /defaults\.startup_timeout: "999999h" must be between 1s and 24h/],
    ['backoff of 1ms', 'defaults: { heal: { backoff: { initial: 1ms } } }\n', /defaults\.heal\.backoff\.initial: "1ms" must be between 100ms and 24h/],
  ])('%s is refused', (_name, rest, expected) => {
    expect(problems(stackDir(base('[compose.yml]', rest)))).toEqual([expect.stringMatching(expected)]);
  });
});

describe('exports templates', () => {
  const withExports = (svc: string) => stackDir(`version: 1\nname: h\ncompose: { files: [compose.yml] }\nservices:\n  api: ${svc}\n  db: {}\n`);
  it('an unknown placeholder is a validate error, not a `stack env` surprise', () => {
    expect(problems(withExports('{ probe: { type: tcp, port: 80 }, exports: { API_URL: "http://${hots}:${port}" } }'))).toEqual([
      expect.stringMatching(/services\.api\.exports\.API_URL: unknown placeholder \$\{hots\} \(use \$\{host\}, \$\{port\} or \$\{port:N\}\)/),
    ]);
  });
  it('${port} without a probe port is a validate error; ${port:N} is fine', () => {
    expect(problems(withExports('{ exports: { API_URL: "http://${host}:${port}" } }'))).toEqual([
      expect.stringMatching(/exports\.API_URL: \$\{port\} is the probe's port/),
    ]);
    expect(problems(withExports('{ exports: { API_URL: "http://${host}:${port:8080}" } }'))).toEqual([]);
  });
});
