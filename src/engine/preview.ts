/**
 * `stack up --dry-run` and `stack diff`: what `up` would do, touching nothing. The runtime previews its create
 * (kept / created / recreated and why, from compose's config hashes) and lists the containers and orphans;
 * `planSteps` (pure) turns that into the ordered steps `up` would take. Probes are not run: some write (Redis
 * SET/GET), and whether a running service is healthy is `stack status`'s question, not a change.
 */
import type { StackSpec } from '../config/types.js';
import type { CreateReport } from '../core/events.js';
import { chainBelow, planWaves, startOrder } from '../graph/plan.js';
import type { ContainerInfo, Runtime } from '../runtime/types.js';
import { expectedWeight, mustComplete, selectKnown } from './up.js';

export type StepAction = 'remove' | 'create' | 'recreate' | 'restart' | 'start' | 'run' | 'keep' | 'skip' | 'orphan';

export interface PlanStep {
  service: string;
  action: StepAction;
  /** Why: what changed, the state it is in, or why compose makes it. Never a value of a variable. */
  reason?: string;
  via?: CreateReport['via'];
}

export interface UpPreview {
  steps: PlanStep[];
  /** How many steps change something (everything but keep, skip and a kept orphan). */
  changes: number;
}

export interface PreviewInput {
  /** The selected services in the order `up` starts them. */
  order: readonly string[];
  reports: ReadonlyMap<string, CreateReport>;
  /** What exists now, by service. */
  current: ReadonlyMap<string, ContainerInfo>;
  /** Services that must run to exit 0 (jobs, and what a dependent waits on with condition: completed). */
  completes: ReadonlySet<string>;
  rerunJobs: boolean;
  orphans: readonly string[];
  keepOrphans: boolean;
  /** Per service, the dependencies it names with `restart: true`. */
  restartAfter?: ReadonlyMap<string, readonly string[]>;
}

const NO_CHANGE: ReadonlySet<StepAction> = new Set(['keep', 'skip', 'orphan']);

/** The steps `up` would take: orphans removed first (they may hold ports), then each service in start order. */
export function planSteps(input: PreviewInput): UpPreview {
  const steps: PlanStep[] = input.orphans.map((service) =>
    input.keepOrphans
      ? { service, action: 'orphan', reason: 'no longer defined; left as it is (--keep-orphans)' }
      : { service, action: 'remove', reason: 'no longer defined in the compose files or stack.yaml (an orphan); its volumes stay' },
  );
  const recreated = new Set<string>();
  const restartFor = (service: string) => (input.restartAfter?.get(service) ?? []).find((d) => recreated.has(d));
  for (const service of input.order) {
    if (input.reports.get(service)?.action === 'recreated') recreated.add(service);
    const report = input.reports.get(service);
    const now = input.current.get(service);
    const via = report?.via;
    const step = (action: StepAction, reason?: string): PlanStep => ({ service, action, ...(reason ? { reason } : {}), ...(via ? { via } : {}) });
    if (input.completes.has(service)) {
      if (!report || report.action === 'created') steps.push(step('run', 'not run yet'));
      else if (report.action === 'recreated') steps.push(step('run', `its definition changed: ${report.reason ?? 'changed'}`));
      else if (now?.state === 'running') steps.push(step('keep', 'still running'));
      else if (now?.state === 'exited' && now.exitCode === 0 && !input.rerunJobs) steps.push(step('skip', 'completed earlier with this definition'));
      else if (now?.state === 'exited' && now.exitCode === 0) steps.push(step('run', 'completed earlier; --rerun-jobs runs it again'));
      else steps.push(step('run', now?.state === 'exited' ? `its last run exited ${now.exitCode}` : `it is ${now?.state ?? 'not there'}`));
      continue;
    }
    if (report?.action === 'created' && via === 'process') steps.push(step('start', 'not running'));
    else if (!report || report.action === 'created') steps.push(step('create', report?.reason ?? 'it does not exist yet'));
    else if (report.action === 'recreated') steps.push(step('recreate', report.reason ?? 'its definition changed'));
    else if (now?.state === 'running' && restartFor(service)) steps.push(step('restart', `after ${restartFor(service)} is recreated (restart: true)`));
    else if (now?.state === 'running') steps.push(step('keep', 'running with this definition'));
    else steps.push(step('start', `it is ${now?.state ?? 'not there'}`));
  }
  return { steps, changes: steps.filter((s) => !NO_CHANGE.has(s.action)).length };
}

export interface PreviewOptions {
  services?: readonly string[];
  rerunJobs?: boolean;
  keepOrphans?: boolean;
  expectedReadyMs?: Readonly<Record<string, number>>;
}

/** What `up` with these options would do now; reads the engine and the process records, changes nothing. */
export async function previewUp(deps: { spec: StackSpec; runtime: Runtime }, options: PreviewOptions = {}): Promise<UpPreview> {
  const { spec, runtime } = deps;
  const selected = selectKnown(spec, options.services ?? []);
  await runtime.ping();
  const waves = planWaves(spec.services, selected);
  const order = startOrder(waves, chainBelow(spec.services, selected, expectedWeight(options.expectedReadyMs ?? {}, selected)));
  const composeServices = [...new Set(order.map((n) => spec.services[n]!.composeService))];
  const [reports, current, orphans] = await Promise.all([runtime.preview(composeServices), runtime.inspectAll(), runtime.orphans()]);
  // The runtime answers by compose service; the plan speaks of stack.yaml's names.
  const byName = <T>(m: ReadonlyMap<string, T>) =>
    new Map(
      order.flatMap((n) => {
        const v = m.get(spec.services[n]!.composeService);
        return v === undefined ? [] : [[n, v] as const];
      }),
    );
  return planSteps({
    order,
    reports: byName(new Map(reports.map((r) => [r.service, r]))),
    current: byName(current),
    completes: mustComplete(spec.services, selected),
    rerunJobs: options.rerunJobs === true,
    orphans,
    keepOrphans: options.keepOrphans === true,
    restartAfter: new Map(order.map((n) => [n, spec.services[n]!.dependsOn.filter((d) => d.restart).map((d) => d.service)] as const)),
  });
}
