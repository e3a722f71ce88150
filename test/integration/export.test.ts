/**
 * `stack export kubernetes` through the real CLI, with compose's own model: the project's stack (official and
 * local images) and every valid test fixture export to manifests that validate against the Kubernetes
 * schemas; `-o DIR` writes one file per service and a kustomization; no secret value reaches a manifest.
 * No cluster and no engine are involved (compose's `config` reads the files).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import type { Manifest } from '../../src/export/kubernetes.js';
import { CLI, stack } from '../support/docker.js';
import { validateManifest } from '../support/kubernetes.js';

const out = mkdtempSync(join(tmpdir(), 'stack-export-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const SECRET = 'export-test-secret-value';
const env = { POSTGRES_USER: 'stack', POSTGRES_PASSWORD: SECRET, POSTGRES_DB: 'stack', STACK_COMPOSE_FILES: '' };

async function exported(args: string[], extra: Record<string, string> = {}) {
  const r = await stack([...args, 'export', 'kubernetes', '--json'], { ...env, ...extra });
  expect(r.code, r.stderr).toBe(EXIT.OK);
  expect(r.stdout).not.toContain(SECRET);
  return JSON.parse(r.stdout) as {
    manifests: Record<string, Manifest[]>;
    notes: { service: string; key: string; message: string }[];
    secret?: { keys: string[] };
  };
}

describe('stack export kubernetes', () => {
  it("exports the project's stack to valid manifests, reporting what it cannot carry over", async () => {
    for (const extra of [{ STACK_COMPOSE_FILES: '' }, { STACK_COMPOSE_FILES: 'compose/docker-compose.local.yml' }]) {
      const doc = await exported([], extra);
      expect(Object.keys(doc.manifests).sort()).toEqual(['grafana', 'postgres', 'prometheus', 'qdrant', 'rag-server', 'redis']);
      for (const m of Object.values(doc.manifests).flat()) expect(() => validateManifest(m), `${m.kind}/${m.metadata.name}`).not.toThrow();
      expect(doc.secret?.keys).toContain('POSTGRES_PASSWORD');
      // The host processes and the worker's log probe are reported, not dropped.
      expect(
        doc.notes
          .filter((n) => n.key === 'command')
          .map((n) => n.service)
          .sort(),
      ).toEqual(['migrate', 'worker']);
    }
    const official = await exported([]);
    const pg = official.manifests['postgres']![0]! as unknown as {
      spec: { template: { spec: { containers: { startupProbe: { exec?: { command: string[] } } }[] } } };
    };
    // The official image has its own client: pg_isready, with the user from the container's own environment.
    expect(pg.spec.template.spec.containers[0]!.startupProbe.exec?.command.at(-1)).toBe(
      'pg_isready -h 127.0.0.1 -p 5432 -U "$POSTGRES_USER" -d "$POSTGRES_DB"',
    );
  });

  it('exports every valid test fixture to valid manifests; an invalid one is refused as a configuration error', async () => {
    const fixtures = readdirSync('test/fixtures').filter((f) => existsSync(join('test/fixtures', f, 'stack.yaml')));
    expect(fixtures.length).toBeGreaterThan(8);
    let exportedCount = 0;
    for (const f of fixtures) {
      const file = join('test/fixtures', f, 'stack.yaml');
      const valid = (await stack(['-f', file, 'validate'], env)).code === EXIT.OK;
      const r = await stack(['-f', file, 'export', 'kubernetes', '--json'], env);
      if (!valid) {
        expect(r.code, f).toBe(EXIT.CONFIG_INVALID);
        continue;
      }
      expect(r.code, `${f}: ${r.stderr}`).toBe(EXIT.OK);
      for (const m of Object.values(JSON.parse(r.stdout).manifests as Record<string, Manifest[]>).flat())
        expect(() => validateManifest(m), `${f}: ${m.kind}/${m.metadata.name}`).not.toThrow();
      exportedCount++;
    }
    expect(exportedCount).toBeGreaterThan(5);
  });

  it('-o DIR writes one file per service and a kustomization that lists them', async () => {
    const r = await stack(['export', 'kubernetes', '-o', out], env);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toContain('kubectl create secret generic fmoua-secrets --from-literal=POSTGRES_PASSWORD=…');
    expect(readdirSync(out).sort()).toEqual([
      'grafana.yaml',
      'kustomization.yaml',
      'postgres.yaml',
      'prometheus.yaml',
      'qdrant.yaml',
      'rag-server.yaml',
      'redis.yaml',
    ]);
    const docs = parseAllDocuments(readFileSync(join(out, 'rag-server.yaml'), 'utf8')).map((d) => d.toJS() as Manifest);
    expect(docs.map((d) => d.kind)).toEqual(['Deployment', 'Service']);
    for (const d of docs) validateManifest(d);
    expect((parseAllDocuments(readFileSync(join(out, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[] }).resources).toHaveLength(6);
    for (const f of readdirSync(out)) expect(readFileSync(join(out, f), 'utf8')).not.toContain(SECRET);
  });

  it('an unknown format is a usage error naming the ones there are', async () => {
    const r = await stack(['export', 'nomad'], env);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain('stack cannot export to "nomad"');
    expect(r.stderr).toContain('kubernetes');
  });
});

describe('output into a closed pipe', () => {
  it('ends quietly when the reader goes away (`| head`): exit 0, no stack trace', () => {
    // 3,000 services: a graph far larger than a pipe's buffer, so the writes outlive `head`.
    const big = mkdtempSync(join(tmpdir(), 'stack-epipe-'));
    const names = Array.from({ length: 3000 }, (_, i) => `service-${i}`);
    writeFileSync(join(big, 'compose.yml'), `services:\n${names.map((n) => `  ${n}: { image: x }`).join('\n')}\n`);
    writeFileSync(
      join(big, 'stack.yaml'),
      `version: 1\nname: big\ncompose: { files: [compose.yml] }\nservices:\n${names.map((n, i) => `  ${n}: { depends_on: [${i ? names[i - 1] : ''}] }`).join('\n')}\n`,
    );
    const r = spawnSync('bash', ['-c', `set -o pipefail; node ${resolve(CLI)} -f ${join(big, 'stack.yaml')} graph --format text | head -c 100 >/dev/null`], {
      encoding: 'utf8',
    });
    rmSync(big, { recursive: true, force: true });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
