/**
 * Loading the engine client: dockerode's BuildKit (gRPC) and docker-modem's ssh2 are never loaded (stack
 * uses neither; they cost 11 MiB and ~50 ms per process), and an ssh:// engine is refused by name instead
 * of failing inside a module that is not there.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { currentRunCut, dockerFromEnv, timeKey, UNUSED_BY_STACK } from '../../src/runtime/docker-runtime.js';

const require = createRequire(import.meta.url);

describe('the engine client', () => {
  it('talks to the engine without loading gRPC or ssh2', () => {
    const docker = dockerFromEnv({ DOCKER_HOST: 'unix:///nonexistent.sock' });
    expect(typeof docker.listContainers).toBe('function');
    for (const [from, name] of UNUSED_BY_STACK) {
      const path = require.resolve(name, { paths: [dirname(require.resolve(`${from}/package.json`))] });
      expect(require.cache[path]?.exports, name).toEqual({});
    }
  });

  it('refuses an ssh:// engine with what to do instead', () => {
    expect(() => dockerFromEnv({ DOCKER_HOST: 'ssh://me@build-box' })).toThrow(UsageError);
    expect(() => dockerFromEnv({ DOCKER_HOST: 'ssh://me@build-box' })).toThrow(/DOCKER_HOST=ssh:\/\/… is not supported/);
  });
});

describe('engine timestamps (which log lines belong to the current run)', () => {
  it('sort in time order whatever the number of fraction digits the engine kept', () => {
    // Go's RFC 3339 drops trailing zeros: compared as written, ".1234Z" sorts after ".123456789Z", though it is earlier.
    expect('2026-11-24T10:20:01.1234Z' > '2026-11-24T10:20:01.123456789Z').toBe(true);
    expect(timeKey('2026-11-24T10:20:01.1234Z') < timeKey('2026-11-24T10:20:01.123456789Z')).toBe(true);
    expect(timeKey('2026-11-24T10:20:01Z') < timeKey('2026-11-24T10:20:01.000000001Z')).toBe(true);
    expect(timeKey('2026-11-24T10:20:01.5Z') < timeKey('2026-11-24T10:20:02Z')).toBe(true);
  });
});

describe("where a container's current run starts in its log", () => {
  const NEVER = '0001-01-01T00:00:00Z';
  it('a container never stopped: the whole log (its first line may be stamped before StartedAt)', () => {
    expect(currentRunCut({ StartedAt: '2026-11-24T10:20:01.5Z', FinishedAt: NEVER })).toBeUndefined();
  });
  it('a restarted container: after the previous run ended, not after the recorded start', () => {
    expect(currentRunCut({ StartedAt: '2026-11-24T10:20:05.9Z', FinishedAt: '2026-11-24T10:20:05.2Z' })).toEqual({
      at: '2026-11-24T10:20:05.2Z',
      key: timeKey('2026-11-24T10:20:05.2Z'),
    });
  });
  it('a stopped container: its last run, from its start', () => {
    expect(currentRunCut({ StartedAt: '2026-11-24T10:20:01.1Z', FinishedAt: '2026-11-24T10:20:09Z' })?.at).toBe('2026-11-24T10:20:01.1Z');
  });
});
