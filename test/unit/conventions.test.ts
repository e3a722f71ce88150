/**
 * What a newcomer and a compose user expect of the CLI: settings from the env file (as compose reads
 * COMPOSE_FILE from .env), `down -v`, `--json` honoured or refused, numeric flags checked, STACK_COMPOSE
 * forcing a flavour, and nothing written before the engine answers.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { loadStack } from '../../src/config/loader.js';
import { detectCompose } from '../../src/runtime/compose-cli.js';
import { cli } from '../support/cli.js';

const NO_ENGINE = { DOCKER_HOST: 'unix:///tmp/no-such-docker.sock' };
const SECRETS = { POSTGRES_USER: 'u', POSTGRES_PASSWORD: 'p', POSTGRES_DB: 'd' };

function stackWithEnvFile(envFile: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'envfile-'));
  writeFileSync(join(dir, 'compose.yml'), 'services:\n  api: { image: x }\n');
  writeFileSync(join(dir, 'local.yml'), 'services:\n  api: { image: local/x }\n');
  writeFileSync(join(dir, 'stack.yaml'), 'version: 1\nname: envfile\ncompose: { files: [compose.yml] }\nservices:\n  api: {}\n');
  writeFileSync(join(dir, '.env'), envFile);
  return dir;
}

describe('stack settings in the env file', () => {
  it('STACK_COMPOSE_FILES and STACK_PROJECT_NAME from .env apply to every command, relative to stack.yaml', () => {
    const dir = stackWithEnvFile('STACK_COMPOSE_FILES=local.yml\nSTACK_PROJECT_NAME=from-env-file\n');
    const { spec } = loadStack(join(dir, 'stack.yaml'), { env: {}, cwd: '/' });
    expect(spec.composeFiles).toEqual([join(dir, 'compose.yml'), join(dir, 'local.yml')]);
    expect(spec.name).toBe('from-env-file');
  });

  it('the environment wins over the env file, and its paths are relative to the working directory', () => {
    const dir = stackWithEnvFile('STACK_COMPOSE_FILES=local.yml\n');
    const cwd = mkdtempSync(join(tmpdir(), 'cwd-'));
    writeFileSync(join(cwd, 'other.yml'), 'services:\n  api: { image: y }\n');
    const { spec } = loadStack(join(dir, 'stack.yaml'), { env: { STACK_COMPOSE_FILES: 'other.yml' }, cwd });
    expect(spec.composeFiles).toEqual([join(dir, 'compose.yml'), join(cwd, 'other.yml')]);
  });

  it('STACK_PROFILE from the env file picks the profile', async () => {
    const r = await cli(['plan', '--json'], { env: { ...SECRETS, STACK_PROFILE: 'ci' } });
    expect(JSON.parse(r.stdout).services).not.toContain('grafana');
  });
});

describe('compose conventions', () => {
  it('`down -v` is `down --volumes`', async () => {
    const r = await cli(['down', '-v'], { env: { ...SECRETS, ...NO_ENGINE } });
    expect(r.code).toBe(EXIT.ENGINE_UNREACHABLE); // parsed, then stopped at the engine
    expect(r.stderr).not.toContain('unknown option');
  });

  it.each([
    [['down', '-t', 'abc'], /"abc" is not a whole number/],
    [['down', '-t', '-1'], /is not a whole number|unknown option/],
    [['down', '-t', '99999'], /out of range \(0 to 3600\)/],
    [['logs', 'redis', '-n', 'many'], /"many" is not a whole number/],
    [['up', '--wait-timeout', '0.1'], /--wait-timeout 0\.1 is out of range/],
    [['up', '--wait-timeout', 'soon'], /--wait-timeout soon is not a duration/],
  ])('%j exits 2 and says why', async (args, message) => {
    const r = await cli(args, { env: { ...SECRETS, ...NO_ENGINE } });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(message);
  });
});

describe('--json on every command', () => {
  it('graph --json is one JSON document', async () => {
    const r = await cli(['graph', '--json', 'grafana']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      waves: [['prometheus'], ['grafana']],
      services: [
        { name: 'prometheus', kind: 'container', job: false, probe: 'prometheus' },
        { name: 'grafana', kind: 'container', job: false, probe: 'grafana' },
      ],
      edges: [{ from: 'grafana', to: 'prometheus', condition: 'healthy' }],
    });
  });

  it('env --json is the JSON format (here: the engine error as JSON)', async () => {
    const r = await cli(['env', '--json'], { env: { ...SECRETS, ...NO_ENGINE } });
    expect(r.code).toBe(EXIT.ENGINE_UNREACHABLE);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'ENGINE_UNREACHABLE' } });
  });

  it('logs --json is refused with exit 2', async () => {
    const r = await cli(['logs', 'redis', '--json'], { env: { ...SECRETS, ...NO_ENGINE } });
    expect(r.code).toBe(EXIT.USAGE);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(/has no JSON form/) } });
  });

  it('init vscode --json says what it did', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-'));
    const r = await cli(['init', 'vscode', '--dir', dir, '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, file: join(dir, '.vscode', 'tasks.json'), action: 'written' });
  });
});

describe('STACK_COMPOSE', () => {
  it('forces the flavour: v1 where docker-compose is not on PATH is an error, not a silent v2', async () => {
    await expect(detectCompose('v1', '/nonexistent')).rejects.toMatchObject({
      code: 'START_FAILED',
      message: 'STACK_COMPOSE=v1 but `docker-compose` is not on PATH',
    });
  });

  it('anything but v1 or v2 is a usage error', async () => {
    await expect(detectCompose('v3')).rejects.toMatchObject({ code: 'USAGE', message: 'STACK_COMPOSE=v3 is not a compose flavour' });
  });
});

describe('nothing is written before the engine answers', () => {
  it('`up` against an unreachable engine leaves no state directory behind', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'nostate-')), 'state');
    const r = await cli(['up'], { env: { ...SECRETS, ...NO_ENGINE, STACK_STATE_DIR: state } });
    expect(r.code).toBe(EXIT.ENGINE_UNREACHABLE);
    expect(existsSync(state)).toBe(false);
  });
});
