import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/config/duration.js';
import { loadStack } from '../../src/config/loader.js';
import { formatProblem } from '../../src/report/problems.js';
import { ConfigError } from '../../src/core/errors.js';

const fixture = (name: string) => `test/fixtures/${name}/stack.yaml`;

function problemsOf(name: string, env: Record<string, string> = {}): string[] {
  try {
    loadStack(fixture(name), { env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem);
    throw err;
  }
  throw new Error(`${name} loaded without problems`);
}

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['2s', 2_000],
    ['1.5s', 1_500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    [' 15s ', 15_000],
  ])('%s = %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['15', '15x', 's', '-1s', '1d', ''])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('loadStack: a valid file', () => {
  const { spec, warnings } = loadStack(fixture('valid'), { env: { DB_PASSWORD: 'secret' } });

  it('applies defaults and per-service overrides', () => {
    expect(spec.services['db']!.startupTimeoutMs).toBe(20_000);
    expect(spec.services['api']!.startupTimeoutMs).toBe(90_000);
    expect(spec.services['cache']!.probe!.timing).toEqual({ intervalMs: 100, timeoutMs: 1_000, successThreshold: 1, failureThreshold: 3 });
    expect(spec.services['db']!.probe!.timing.timeoutMs).toBe(2_000);
  });

  it('defaults a dependency to healthy when the target has a probe, else started', () => {
    expect(spec.services['api']!.dependsOn).toEqual([
      { service: 'db', condition: 'healthy' },
      { service: 'cache', condition: 'started' },
    ]);
    expect(spec.services['worker']!.dependsOn).toEqual([{ service: 'api', condition: 'healthy' }]);
  });

  it('resolves compose files next to stack.yaml and has no warnings when secrets are set', () => {
    expect(spec.composeFiles).toEqual([expect.stringMatching(/test\/fixtures\/valid\/compose\.yml$/)]);
    expect(warnings).toEqual([]);
  });

  it('warns (not fails) when a referenced secret is not set', () => {
    const { warnings: w } = loadStack(fixture('valid'), { env: {} });
    expect(w.map(formatProblem)).toEqual([
      'test/fixtures/valid/stack.yaml:7:56 services.db.probe.password_env: DB_PASSWORD is not set in the environment or the env file',
    ]);
  });
});

describe('loadStack: broken files', () => {
  it.each([
    ['malformed', [/^test\/fixtures\/malformed\/stack\.yaml:7:3: not valid YAML: /]],
    ['cycle', [/stack\.yaml:6:17 services\.api\.depends_on: dependency cycle api → worker → cache → api/]],
    ['unknown-dependency', [/stack\.yaml:7:22 services\.api\.depends_on\[1\]: depends on "queue", which is not a service/]],
    [
      'missing-compose-service',
      [/stack\.yaml:7:22 services\.search\.compose_service: compose service "elastic" is not in the compose files \(api, cache, db, worker\)/],
    ],
    ['healthy-without-probe', [/stack\.yaml:7:18 services\.api\.depends_on\[0\]: waits for "db" to be healthy, but "db" has no probe/]],
    ['bad-duration', [/stack\.yaml:7:22 services\.db\.startup_timeout: "15x" is not a duration/]],
    ['unknown-key', [/stack\.yaml:7:5 services\.db\.startup_timout: unknown key \(did you mean startup_timeout\?\)/]],
    ['secret-literal', [/services\.db\.probe\.password: secrets may not be written in stack\.yaml; .* use password_env: VAR_NAME/]],
    [
      'several',
      [
        /:3:33 compose\.files\[1\]: compose file .*missing\.yml does not exist/,
        /:6:20 services\.db\.probe\.type: "smtp" is not a probe type/,
        /:8:17 services\.api\.depends_on: dependency cycle api → api/,
        /:9:22 services\.api\.startup_timeout: "soon" is not a duration/,
        /:11:18 services\.worker\.depends_on\[0\]: depends on "nowhere"/,
      ],
    ],
  ])('%s', (name, expected) => {
    const problems = problemsOf(name);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(problems[i]).toMatch(re));
  });

  it('names the file when it does not exist', () => {
    expect(problemsOf('nope')).toEqual(['test/fixtures/nope/stack.yaml: file not found; create it (see README) or pass -f/--file PATH']);
  });

  it('never echoes a secret value it rejected', () => {
    expect(problemsOf('secret-literal').join('\n')).not.toContain('hunter2');
  });
});

describe('loadStack: the target', () => {
  const target = (env: Record<string, string>, option?: string) =>
    loadStack(fixture('valid'), { env: { DB_PASSWORD: 'x', ...env }, ...(option ? { target: option } : {}) }).spec.target;

  it('is compose unless --target, STACK_TARGET or stack.yaml says otherwise (in that order)', () => {
    expect(target({})).toBe('compose');
    expect(target({ STACK_TARGET: 'swarm' })).toBe('swarm');
    expect(target({ STACK_TARGET: 'swarm' }, 'compose')).toBe('compose');
  });

  it('refuses an unknown one, naming where it came from', () => {
    expect(problemsOf('valid', { DB_PASSWORD: 'x', STACK_TARGET: 'nomad' })).toEqual([
      expect.stringContaining('target "nomad" (from STACK_TARGET) is not one of compose, swarm'),
    ]);
  });
});
