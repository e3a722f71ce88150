/** Validation of exported manifests against the Kubernetes OpenAPI schemas (kubernetes-models): no cluster needed. */
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Service } from 'kubernetes-models/v1';
import type { Manifest } from '../../src/export/kubernetes.js';

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'v1/Service': Service,
};

/** Throws with the schema's words when the manifest is not a valid object of its kind (or of a kind stack never writes). */
export function validateManifest(m: Manifest): void {
  const Model = MODELS[`${m.apiVersion}/${m.kind}`];
  if (!Model) throw new Error(`unexpected kind ${m.apiVersion} ${m.kind}`);
  new Model(m as never).validate();
}
