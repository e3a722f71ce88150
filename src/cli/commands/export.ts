/**
 * `stack export kubernetes [-o DIR]`: the stack as Kubernetes manifests (export/kubernetes.ts), from
 * stack.yaml and compose's own model. Needs neither a cluster nor a Docker engine; what it cannot carry over
 * is listed, never dropped silently.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { UsageError } from '../../core/errors.js';
import { exportKubernetes, type ExportOptions } from '../../export/kubernetes.js';
import { ComposeCli, detectCompose } from '../../runtime/compose-cli.js';
import { load, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';

export interface ExportFlags {
  output?: string;
  waitImage?: string;
  volumeSize?: string;
}

export const EXPORT_FORMATS = ['kubernetes'] as const;

export async function exportCommand(format: string, flags: ExportFlags, opts: GlobalOptions, io: CliIo): Promise<number> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`stack cannot export to "${format}"`, `Formats: ${EXPORT_FORMATS.join(', ')} (e.g. \`stack export kubernetes -o k8s\`).`);
  const { spec } = load(opts, io);
  const project = { name: spec.name, files: spec.composeFiles, cwd: spec.dir, env: spec.env };
  const model = await new ComposeCli(project, await detectCompose(spec.env['STACK_COMPOSE'], spec.env['PATH'] ?? '')).model();
  const options: ExportOptions = { ...(flags.waitImage ? { waitImage: flags.waitImage } : {}), ...(flags.volumeSize ? { volumeSize: flags.volumeSize } : {}) };
  const result = exportKubernetes(spec, model, options);
  const docs = (name: string) => result.byService[name]!.map((m) => stringify(m, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
  const services = Object.keys(result.byService).sort();
  const secretHelp = result.secret
    ? `kubectl create secret generic ${result.secret.name} ${result.secret.keys.map((k) => `--from-literal=${k}=…`).join(' ')}`
    : undefined;

  if (opts.json) {
    io.stdout.write(`${JSON.stringify({ format, manifests: result.byService, notes: result.notes, ...(result.secret ? { secret: result.secret } : {}) })}\n`);
    return EXIT.OK;
  }
  const noteLines = result.notes.map((n) => `  ${n.service}: ${n.key}: ${n.message}`);
  if (!flags.output) {
    io.stdout.write(services.map(docs).join('---\n'));
    if (noteLines.length) io.stderr.write(`not carried over as is (${noteLines.length}):\n${noteLines.join('\n')}\n`);
    if (secretHelp) io.stderr.write(`the manifests reference a Secret they do not contain; create it first:\n  ${secretHelp}\n`);
    return EXIT.OK;
  }
  mkdirSync(flags.output, { recursive: true });
  for (const name of services) writeFileSync(join(flags.output, `${name}.yaml`), docs(name));
  writeFileSync(
    join(flags.output, 'kustomization.yaml'),
    stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: services.map((s) => `${s}.yaml`) }),
  );
  const where = relative(io.cwd, flags.output) || '.';
  io.stdout.write(`✔ wrote ${services.length} services' manifests to ${where}/ (apply: kubectl apply -k ${where})\n`);
  if (secretHelp) io.stdout.write(`  the manifests reference a Secret they do not contain; create it first:\n    ${secretHelp}\n`);
  if (noteLines.length) io.stdout.write(`not carried over as is (${noteLines.length}):\n${noteLines.join('\n')}\n`);
  return EXIT.OK;
}
