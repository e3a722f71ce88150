/**
 * The Kubernetes export, pure: a stack loaded from a real stack.yaml, with compose's model written as compose
 * normalizes it. Every manifest is validated against the Kubernetes OpenAPI schemas (kubernetes-models);
 * there is no cluster here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadStack } from '../../src/config/loader.js';
import { exportKubernetes } from '../../src/export/kubernetes.js';
import type { ComposeModel } from '../../src/runtime/container-spec.js';
import { validateManifest } from '../support/kubernetes.js';

const dir = mkdtempSync(join(tmpdir(), 'stack-k8s-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PASSWORD = 'hunter2-not-in-any-manifest';

function load(stackYaml: string, services: string[]) {
  writeFileSync(join(dir, 'compose.yml'), `services:\n${services.map((s) => `  ${s}: { image: x }`).join('\n')}\n`);
  writeFileSync(join(dir, 'stack.yaml'), stackYaml);
  return loadStack(join(dir, 'stack.yaml'), { env: { POSTGRES_PASSWORD: PASSWORD, PATH: process.env['PATH'] } }).spec;
}

const spec = load(
  `version: 1
name: shop
compose: { files: [compose.yml] }
services:
  db:
    probe: { type: postgres, port: 5432, user: app, password_env: POSTGRES_PASSWORD, database: shop }
    startup_timeout: 30s
    heal: { restart_dependents: true }
  api:
    depends_on: [db, migrate]
    probe: { type: http, port: 8080, path: /health, interval: 2s, expect: { status: 200, json: { ok: true } } }
  migrate: { kind: job, depends_on: [db] }
  tail:
    depends_on: [api]
    probe: { type: log, pattern: ready }
  dev: { command: [node, dev.js] }
`,
  ['db', 'api', 'migrate', 'tail'],
);

// What `docker compose config` gives for the compose file behind this stack (interpolated: the password is in it).
const model: ComposeModel = {
  services: {
    db: {
      image: 'postgres:16-alpine',
      environment: { POSTGRES_PASSWORD: PASSWORD, POSTGRES_USER: 'app' },
      ports: [{ target: 5432, published: '5432', protocol: 'tcp', host_ip: '127.0.0.1' }],
      volumes: [{ type: 'volume', source: 'db-data', target: '/var/lib/postgresql/data' }],
    },
    api: {
      image: 'registry.example/api:1',
      command: ['serve', '--port', '8080'],
      environment: { DATABASE_URL: `postgres://app:${PASSWORD}@db:5432/shop`, LOG_LEVEL: 'info' },
      ports: [{ target: 8080, published: '', protocol: 'tcp' }],
      mem_limit: '268435456',
      volumes: [{ type: 'bind', source: '/home/me/conf', target: '/conf' }],
      ipc: 'host',
    },
    migrate: { image: 'registry.example/api:1', command: ['migrate'] },
    tail: { image: 'busybox', command: ['sh', '-c', 'echo ready; sleep 1d'], expose: ['9000'] },
  },
  volumes: { 'db-data': null },
};

const result = exportKubernetes(spec, model);
const notesOf = (service: string) => result.notes.filter((n) => n.service === service).map((n) => `${n.key}: ${n.message}`);

describe('exportKubernetes', () => {
  it('writes manifests that validate against the Kubernetes schemas', () => {
    const all = Object.values(result.byService).flat();
    expect(all.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual(
      ['Deployment/api', 'Deployment/tail', 'Job/migrate', 'Service/api', 'Service/db', 'Service/tail', 'StatefulSet/db'].sort(),
    );
    for (const m of all) expect(() => validateManifest(m), `${m.kind}/${m.metadata.name}`).not.toThrow();
  });

  it("a service's manifests: StatefulSet with its claim, probes from its typed probe, a Service of the compose name", () => {
    expect(result.byService['db']).toMatchSnapshot();
  });

  it('never writes a secret value: variables holding one become references to a Secret it names', () => {
    const text = JSON.stringify(result);
    expect(text).not.toContain(PASSWORD);
    expect(result.secret).toEqual({ name: 'shop-secrets', keys: ['DATABASE_URL', 'POSTGRES_PASSWORD'] });
    const api = (result.byService['api']![0]!.spec as { template: { spec: { containers: { env: unknown[] }[] } } }).template.spec.containers[0]!;
    expect(api.env).toEqual([
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'shop-secrets', key: 'DATABASE_URL' } } },
      { name: 'LOG_LEVEL', value: 'info' },
    ]);
  });

  it('waits for each dependency until its Service answers (ready pods only), on the port its probe uses', () => {
    const pod = (result.byService['api']![0]!.spec as { template: { spec: { initContainers: { name: string; command: string[] }[] } } }).template.spec;
    expect(pod.initContainers.map((c) => [c.name, c.command.at(-1)])).toEqual([
      ['wait-for-db', 'until nc -z -w 2 db 5432; do echo "waiting for db:5432"; sleep 1; done'],
    ]);
    // A job has no Service to wait on: said, not dropped.
    expect(notesOf('api')).toContain('depends_on.migrate: waiting for job migrate to complete needs API access from the pod: not mapped; run the job first');
  });

  it('reports what it cannot carry over, by service and key, instead of dropping it', () => {
    expect(notesOf('tail')).toContain("probe: log: Kubernetes probes cannot read a container's output: not mapped (use an http, tcp or exec probe)");
    const tail = (result.byService['tail']![0]!.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0]!;
    expect(tail['startupProbe']).toBeUndefined();
    expect(notesOf('api')).toEqual(
      expect.arrayContaining([
        'ipc: compose key ipc has no mapping here: not exported',
        'volumes: bind mount /home/me/conf → /conf has no cluster equivalent: bake the file into the image or mount it from a ConfigMap',
        'probe: expect.json / body_contains are not checked: httpGet looks at the status only',
      ]),
    );
    expect(notesOf('db')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^heal\.max_restarts: the breaker/), expect.stringMatching(/^heal\.restart_dependents: /)]),
    );
    expect(notesOf('dev')).toEqual([expect.stringMatching(/^command: a host process runs on the developer machine/)]);
    expect(result.byService['dev']).toBeUndefined();
  });

  it('maps probe timing: startup by startup_timeout, readiness by the probe, liveness by heal.liveness', () => {
    const c = (result.byService['api']![0]!.spec as { template: { spec: { containers: Record<string, Record<string, unknown>>[] } } }).template.spec
      .containers[0]!;
    expect(c['startupProbe']).toMatchObject({ httpGet: { path: '/health', port: 8080 }, periodSeconds: 2, failureThreshold: 30 }); // 60 s default / 2 s
    expect(c['readinessProbe']).toMatchObject({ periodSeconds: 2, successThreshold: 1, failureThreshold: 3 });
    expect(c['livenessProbe']).toMatchObject({ httpGet: { path: '/health', port: 8080 } });
    expect(c['resources']).toEqual({ limits: { memory: '268435456' } });
  });

  it('names the workload and Service after the compose service (the name the others reach it by), and waits on that name', () => {
    const renamed = load(
      `version: 1\nname: shop\ncompose: { files: [compose.yml] }\nservices:\n  cache: { compose_service: redis-main, probe: { type: tcp, port: 6379 } }\n  app: { depends_on: [cache], probe: { type: tcp, port: 80 } }\n`,
      ['redis-main', 'app'],
    );
    const out = exportKubernetes(renamed, {
      services: { 'redis-main': { image: 'redis:7', ports: ['6379'] }, app: { image: 'app:1', ports: ['80'] } },
    });
    expect(out.byService['cache']!.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual(['Deployment/redis-main', 'Service/redis-main']);
    const pod = (out.byService['app']![0]!.spec as { template: { spec: { initContainers: { name: string; command: string[] }[] } } }).template.spec;
    expect(pod.initContainers[0]!.command.at(-1)).toContain('nc -z -w 2 redis-main 6379');
  });
});
