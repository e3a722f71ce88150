import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DISK, preflightProblems, versionBelow, type PreflightFacts } from '../../src/preflight/checks.js';
import { registryOf, systemHost, type HostChecks } from '../../src/preflight/host.js';
import { preflight } from '../../src/preflight/preflight.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeRuntime } from '../support/fake-runtime.js';
import { miniSpec } from '../support/spec.js';

const GiB = 2 ** 30;
const facts = (over: Partial<PreflightFacts>): PreflightFacts => ({ needs: [], ports: [], engine: {}, registryReachable: new Map(), ...over });
const need = (service: string, over: Partial<PreflightFacts['needs'][number]> = {}) => ({
  service,
  running: false,
  hostPorts: [],
  runsAs: 'container' as const,
  ...over,
});

describe('pre-flight checks (pure)', () => {
  it('a taken host port names the port, the holder and the fix; a process is told apart from another container', () => {
    const problems = preflightProblems(
      facts({
        ports: [
          { service: 'redis', ip: '127.0.0.1', port: 6379, protocol: 'tcp', holder: 'redis-server (pid 42)' },
          { service: 'web', ip: '', port: 8080, protocol: 'tcp', holder: 'docker-proxy (pid 7)' },
          { service: 'api', ip: '', port: 9000, protocol: 'tcp' },
        ],
      }),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({ severity: 'error', service: 'redis', key: 'services.redis.ports (compose)' });
    expect(problems[0]!.message).toBe('host port 127.0.0.1:6379 for redis is taken by redis-server (pid 42)');
    expect(problems[1]!.fix).toMatch(/docker ps --filter publish=8080/);
  });

  it('two services of the stack on one host port', () => {
    const problems = preflightProblems(
      facts({
        ports: [
          { service: 'a', ip: '', port: 80, protocol: 'tcp' },
          { service: 'b', ip: '127.0.0.1', port: 80, protocol: 'tcp' },
          { service: 'c', ip: '', port: 80, protocol: 'udp' },
        ],
      }),
    );
    expect(problems.map((p) => p.message)).toEqual(['host port 127.0.0.1:80 is published by both a and b']);
  });

  it('disk: refused below the floor, a warning below the soft limit, nothing above or when the engine is remote', () => {
    const at = (freeBytes: number, localDataRoot?: string) =>
      preflightProblems(facts({ freeBytes, engine: localDataRoot ? { localDataRoot } : {} })).map((p) => p.severity);
    expect(at(DISK.refuseBelow - 1, '/var/lib/docker')).toEqual(['error']);
    expect(at(DISK.warnBelow - 1, '/var/lib/docker')).toEqual(['warning']);
    expect(at(DISK.warnBelow + 1, '/var/lib/docker')).toEqual([]);
    expect(at(0)).toEqual([]);
  });

  it('memory: the limits of the services to start against what the engine has', () => {
    const needs = [need('a', { memoryBytes: 3 * GiB }), need('b', { memoryBytes: 2 * GiB }), need('c')];
    const over = preflightProblems(facts({ needs, engine: { memTotalBytes: 4 * GiB } }));
    expect(over).toHaveLength(1);
    expect(over[0]!.message).toBe("the memory limits of the services to start add up to 5.0 GiB (a 3.0 GiB, b 2.0 GiB), more than the engine's 4.0 GiB");
    expect(over[0]!.key).toBe('services.a.mem_limit, services.b.mem_limit');
    expect(preflightProblems(facts({ needs, engine: { memTotalBytes: 8 * GiB } }))).toEqual([]);
  });

  it('a missing image is a problem only when its registry cannot be reached', () => {
    const needs = [need('x', { missingImage: 'acme/x:1' }), need('y', { missingImage: 'acme/y:1' })];
    const problems = preflightProblems(
      facts({
        needs,
        registryReachable: new Map([
          ['acme/x:1', false],
          ['acme/y:1', true],
        ]),
      }),
    );
    expect(problems.map((p) => p.message)).toEqual(['image acme/x:1 of x is not on this engine and its registry cannot be reached']);
  });

  it('a process port points at stack.yaml, not the compose files', () => {
    const problems = preflightProblems(
      facts({ needs: [need('api', { runsAs: 'process' })], ports: [{ service: 'api', ip: '', port: 3000, protocol: 'tcp', holder: '' }] }),
    );
    expect(problems[0]).toMatchObject({ key: 'stack.yaml services.api.ports', message: 'host port 0.0.0.0:3000 for api is taken by another process' });
  });
});

describe('versions against the features the compose files use', () => {
  it('compares dotted versions as numbers', () => {
    expect(versionBelow('1.9', '1.10')).toBe(true);
    expect(versionBelow('1.41', '1.40')).toBe(false);
    expect(versionBelow('1.29.2', '1.29.0')).toBe(false);
    expect(versionBelow('2.20.1', '2.20.2')).toBe(true);
    expect(versionBelow('1.40', '1.40')).toBe(false);
  });

  const at = (engine: PreflightFacts['engine'], features: string[]) => preflightProblems(facts({ engine, needs: [need('web', { features })] }));
  const v1 = (version: string) => ({ version: '20.10.24', apiVersion: '1.41', compose: { flavor: 'v1' as const, version } });

  it('an engine older than stack itself supports is refused', () => {
    expect(at({ version: '18.09.1', apiVersion: '1.39' }, []).map((p) => p.message)).toEqual([
      'stack needs Docker Engine 19.03 (API 1.40) or later; this engine is 18.09.1 (API 1.39)',
    ]);
    expect(at({ version: '20.10.24', apiVersion: '1.41' }, [])).toEqual([]);
  });

  it('healthcheck start_interval needs Engine 25 and compose v2', () => {
    const problems = at(v1('1.29.2'), ['healthcheck.start_interval']).map((p) => p.message);
    expect(problems).toEqual([
      'healthcheck start_interval needs Docker Engine 25.0 (API 1.44) or later; this engine is 20.10.24 (API 1.41)',
      'healthcheck start_interval needs Docker Compose v2 (2.20.2); this is docker-compose 1.29.2',
    ]);
    expect(at({ version: '27.1.0', apiVersion: '1.46', compose: { flavor: 'v2', version: '2.29.1' } }, ['healthcheck.start_interval'])).toEqual([]);
  });

  it('service_completed_successfully needs docker-compose 1.29; profiles 1.28', () => {
    expect(at(v1('1.27.4'), ['depends_on.condition.service_completed_successfully', 'profiles']).map((p) => p.message)).toEqual([
      'depends_on condition service_completed_successfully needs docker-compose 1.29.0; this is docker-compose 1.27.4',
      'profiles needs docker-compose 1.28.0; this is docker-compose 1.27.4',
    ]);
    expect(at(v1('1.29.2'), ['depends_on.condition.service_completed_successfully', 'profiles'])).toEqual([]);
  });
});

describe('what the machine is asked', () => {
  it('the registry an image comes from', () => {
    expect(registryOf('redis:7')).toEqual({ host: 'registry-1.docker.io', port: 443 });
    expect(registryOf('local/stack-base:1')).toEqual({ host: 'registry-1.docker.io', port: 443 });
    expect(registryOf('ghcr.io/acme/api:2')).toEqual({ host: 'ghcr.io', port: 443 });
    expect(registryOf('localhost:5000/api')).toEqual({ host: 'localhost', port: 5000 });
  });

  it('free bytes under a path from the file system; none for a path that is not there', () => {
    expect(systemHost.freeBytes(tmpdir())).toBeGreaterThan(0);
    expect(systemHost.freeBytes(join(tmpdir(), 'no-such-dir-for-stack'))).toBeUndefined();
  });

  it('a port this process listens on is not free, and is found held by this process (Linux)', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      expect(await systemHost.portFree({ ip: '127.0.0.1', port, protocol: 'tcp' })).toBe(false);
      expect(await systemHost.portFree({ ip: '', port, protocol: 'tcp' })).toBe(false); // every address includes loopback
      if (process.platform === 'linux') expect(systemHost.portHolder(port, 'tcp')).toMatch(new RegExp(`\\(pid ${process.pid}\\)$`));
    } finally {
      server.close();
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(await systemHost.portFree({ ip: '127.0.0.1', port, protocol: 'tcp' })).toBe(true);
  });
});

describe('preflight on a fake engine', () => {
  const host = (taken: Record<number, string>): HostChecks => ({
    portFree: async (p) => !(p.port in taken),
    portHolder: (port) => taken[port],
    freeBytes: () => 100 * GiB,
    reachable: async () => false,
  });

  it('checks only what is not running yet, and asks the engine nothing when everything runs', async () => {
    const runtime = new FakeRuntime(new FakeClock(), { db: { running: true }, api: {} });
    runtime.needsOf.set('db', { hostPorts: [{ ip: '', port: 5432, protocol: 'tcp' }] });
    runtime.needsOf.set('api', { hostPorts: [{ ip: '', port: 8080, protocol: 'tcp' }], missingImage: 'acme/api:1' });
    const spec = miniSpec({ db: {}, api: { deps: ['db'] } });
    const { problems } = await preflight({ spec, runtime, host: host({ 5432: 'postgres (pid 1)', 8080: 'node (pid 2)' }) }, ['db', 'api']);
    expect(problems.map((p) => p.message)).toEqual([
      'host port 0.0.0.0:8080 for api is taken by node (pid 2)',
      'image acme/api:1 of api is not on this engine and its registry cannot be reached',
    ]);
    expect(await preflight({ spec, runtime, host: host({ 5432: 'postgres (pid 1)' }) }, ['db'])).toEqual({ problems: [] }); // nothing asked
  });
});
