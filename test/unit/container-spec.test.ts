/** The fast path's translation of compose's model, without an engine (the real comparison is fast-create.test.ts). */
import { describe, expect, it } from 'vitest';
import { whatChanged } from '../../src/runtime/api-create.js';
import { createLines } from '../../src/report/format.js';
import { argv, bytes, containerName, durationNs, servicePlan, toPorts, type ComposeModel, type ProjectIdentity } from '../../src/runtime/container-spec.js';

const v1: ProjectIdentity = { name: 'proj', flavor: 'v1', version: '1.29.2', files: ['/srv/app/compose.yml'], env: { FROM_HOST: 'h' } };
const v2: ProjectIdentity = { ...v1, flavor: 'v2', version: '2.29.0' };

describe('container-spec', () => {
  it('splits command strings as a POSIX shell does', () => {
    expect(argv('sleep 1000')).toEqual(['sleep', '1000']);
    expect(argv(`sh -c "echo 'a b'" x\\ y ''`)).toEqual(['sh', '-c', "echo 'a b'", 'x y', '']);
    expect(argv(['a b', 'c'])).toEqual(['a b', 'c']);
  });

  it('reads compose durations and sizes', () => {
    expect(durationNs('1m30s')).toBe(90e9);
    expect(durationNs('500ms')).toBe(5e8);
    expect(durationNs(2)).toBe(2e9);
    expect(() => durationNs('soon')).toThrow(/not a compose duration/);
    expect(bytes('64m')).toBe(64 * 1024 ** 2);
    expect(bytes('1g')).toBe(1024 ** 3);
    expect(bytes(512)).toBe(512);
  });

  it('reads short and long port syntax, ranges included', () => {
    expect(toPorts('127.0.0.1::8080')).toEqual([{ target: 8080, published: '', hostIp: '127.0.0.1', protocol: 'tcp' }]);
    expect(toPorts('9000-9001:9000-9001/udp')).toEqual([
      { target: 9000, published: '9000', hostIp: '', protocol: 'udp' },
      { target: 9001, published: '9001', hostIp: '', protocol: 'udp' },
    ]);
    expect(toPorts({ target: 80, published: '8080', protocol: 'tcp', host_ip: '127.0.0.1' })).toEqual([
      { target: 80, published: '8080', hostIp: '127.0.0.1', protocol: 'tcp' },
    ]);
    expect(toPorts('::1:80:80')).toBeUndefined(); // IPv6 host address: left to compose
  });

  it('names containers as each compose flavour does', () => {
    expect(containerName(v1, 'redis')).toBe('proj_redis_1');
    expect(containerName(v2, 'redis')).toBe('proj-redis-1');
  });

  it("gives compose's labels, the first network at create and the others after", () => {
    const model: ComposeModel = {
      services: {
        api: {
          image: 'api:1',
          environment: { A: '1', FROM_HOST: null, MISSING: null },
          networks: { front: { aliases: ['web'] }, back: null },
          volumes: ['data:/data', './conf:/conf:ro'],
        },
      },
      networks: { front: {}, back: {} },
      volumes: { data: {} },
    };
    const r = servicePlan(model, 'api', v1, 'h4sh');
    expect(r.path).toBe('api');
    if (r.path !== 'api') return;
    const body = r.plan.body as {
      name: string;
      Labels: Record<string, string>;
      Env: string[];
      HostConfig: { NetworkMode: string; Binds: string[] };
      NetworkingConfig: { EndpointsConfig: unknown };
    };
    expect(body.name).toBe('proj_api_1');
    expect(body.Labels).toMatchObject({
      'com.docker.compose.project': 'proj',
      'com.docker.compose.service': 'api',
      'com.docker.compose.oneoff': 'False',
      'com.docker.compose.config-hash': 'h4sh',
      'com.docker.compose.project.working_dir': '/srv/app',
      'com.docker.compose.version': '1.29.2',
    });
    expect(body.Env).toEqual(['A=1', 'FROM_HOST=h', 'MISSING']);
    expect(body.HostConfig.NetworkMode).toBe('proj_back'); // by name when no priority
    expect(body.NetworkingConfig.EndpointsConfig).toEqual({ proj_back: { Aliases: ['api'] } });
    expect(r.plan.connect).toEqual([{ network: 'proj_front', endpoint: { Aliases: ['api', 'web'] } }]);
    expect(body.HostConfig.Binds).toEqual(['proj_data:/data:rw', './conf:/conf:ro']);
    expect(r.plan.volumes).toEqual(['data']);
  });

  it('leaves to compose what it does not translate, and says why', () => {
    const model: ComposeModel = {
      services: {
        s: { image: 'x', secrets: ['token'] },
        n: { image: 'x', network_mode: 'service:s' },
        b: { build: '.' },
        u: { image: 'x', networks: ['nope'] },
      },
    };
    expect(servicePlan(model, 's', v1, 'h')).toEqual({ path: 'compose', reason: 'uses secrets' });
    expect(servicePlan(model, 'n', v1, 'h')).toEqual({ path: 'compose', reason: 'uses network_mode' });
    expect(servicePlan(model, 'b', v1, 'h')).toEqual({ path: 'compose', reason: 'has no image (build only)' });
    expect(servicePlan(model, 'u', v1, 'h')).toEqual({ path: 'compose', reason: 'uses undeclared network nope' });
  });
});

describe('why a container is recreated', () => {
  const old = {
    Config: { Image: 'redis:7', Env: ['A=1', 'SECRET=hunter2', 'GONE=x'], Cmd: ['redis-server'] },
    HostConfig: { PortBindings: { '6379/tcp': [{ HostIp: '127.0.0.1', HostPort: '6379' }] }, Binds: ['data:/data:rw'] },
  };
  it('names what changed: image, environment variables (never their values), command, ports, volumes', () => {
    const body = {
      Image: 'redis:7.2',
      Env: ['A=1', 'SECRET=swordfish', 'NEW=y'],
      Cmd: ['redis-server', '--appendonly', 'yes'],
      HostConfig: { PortBindings: { '6379/tcp': [{ HostIp: '127.0.0.1', HostPort: '6380' }] }, Binds: ['data:/data:rw'] },
    };
    const why = whatChanged(old, body);
    expect(why).toBe('changed: image redis:7 → redis:7.2; environment (GONE, NEW, SECRET); command; ports');
    expect(why).not.toContain('swordfish');
    expect(why).not.toContain('hunter2');
  });
  it('falls back to the general reason when none of those changed (a label, a limit…)', () => {
    expect(whatChanged(old, { Image: 'redis:7', Env: old.Config.Env, Cmd: old.Config.Cmd, HostConfig: old.HostConfig })).toBe('its compose definition changed');
  });
  it('up says which services were recreated or made by compose, and with --debug how every one was made', () => {
    const reports = [
      { service: 'redis', via: 'api', action: 'recreated', reason: 'changed: command' },
      { service: 'cache', via: 'api', action: 'kept' },
      { service: 'worker', via: 'compose', action: 'created', reason: 'uses secrets' },
    ] as const;
    expect(createLines(reports, false, 6)).toEqual(['redis  recreated (changed: command)', 'worker created by compose (uses secrets)']);
    expect(createLines(reports, true, 6)).toEqual([
      'redis  recreated through the engine API (changed: command)',
      'cache  kept through the engine API',
      'worker created by compose (uses secrets)',
    ]);
  });
});
