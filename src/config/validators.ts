/**
 * Checks that need the whole stack (the schema checks each key alone). Each validator is a pure function
 * returning problems; the loader runs them all so several problems are reported together.
 */
import { findCycles } from '../graph/cycles.js';
import type { ConfigProblem } from '../core/problems.js';
import { parseTemplate } from './exports-template.js';
import type { StackSpec } from './types.js';

export interface ValidationContext {
  spec: StackSpec;
  composeServices: Set<string>;
  /** Positions are filled in by the loader from `path`. */
  problem: (path: (string | number)[], message: string) => ConfigProblem;
}

export interface ValidationResult {
  errors: ConfigProblem[];
  warnings: ConfigProblem[];
}

type Validator = (ctx: ValidationContext) => Partial<ValidationResult>;

const dependencyIndex = (ctx: ValidationContext, name: string, dep: string) => ctx.spec.services[name]!.dependsOn.findIndex((d) => d.service === dep);

export const unknownDependencies: Validator = (ctx) => ({
  errors: Object.values(ctx.spec.services).flatMap((s) =>
    s.dependsOn
      .filter((d) => !(d.service in ctx.spec.services))
      .map((d) =>
        ctx.problem(
          ['services', s.name, 'depends_on', dependencyIndex(ctx, s.name, d.service)],
          `depends on "${d.service}", which is not a service in this file (known: ${Object.keys(ctx.spec.services).join(', ')})`,
        ),
      ),
  ),
});

/** A cycle as `a → b → c → a`; a very long one shortened in the middle. */
function cycleText(cycle: readonly string[]): string {
  const shown = cycle.length <= 12 ? [...cycle] : [...cycle.slice(0, 6), `… ${cycle.length - 9} more …`, ...cycle.slice(-3)];
  return [...shown, cycle[0]].join(' → ');
}

export const noCycles: Validator = (ctx) => ({
  errors: findCycles(ctx.spec.services).map((cycle) =>
    ctx.problem(['services', cycle[0]!, 'depends_on'], `dependency cycle ${cycleText(cycle)}; remove one of these depends_on entries`),
  ),
});

export const composeServicesExist: Validator = (ctx) => ({
  errors: Object.values(ctx.spec.services)
    .filter((s) => s.kind === 'container' && !ctx.composeServices.has(s.composeService))
    .map((s) =>
      ctx.problem(
        ['services', s.name, ...(s.composeService === s.name ? [] : ['compose_service'])],
        `compose service "${s.composeService}" is not in the compose files (${[...ctx.composeServices].sort().join(', ') || 'none found'}); add it there or set compose_service`,
      ),
    ),
});

export const healthyNeedsProbe: Validator = (ctx) => ({
  errors: Object.values(ctx.spec.services).flatMap((s) =>
    s.dependsOn
      .filter((d) => d.condition === 'healthy' && d.service in ctx.spec.services && !ctx.spec.services[d.service]!.probe)
      .map((d) =>
        ctx.problem(
          ['services', s.name, 'depends_on', dependencyIndex(ctx, s.name, d.service)],
          `waits for "${d.service}" to be healthy, but "${d.service}" has no probe; give it a probe or use condition: started`,
        ),
      ),
  ),
});

const ENV_KEYS = ['password_env', 'username_env', 'user_env', 'database_env', 'api_key_env'] as const;

/** A warning only: `validate` may run where secrets are absent (e.g. a lint job); `up` makes it an error. */
export const envReferencesSet: Validator = (ctx) => ({
  warnings: Object.values(ctx.spec.services).flatMap((s) => {
    const probe = s.probe as Record<string, unknown> | undefined;
    return ENV_KEYS.filter((k) => typeof probe?.[k] === 'string' && ctx.spec.env[probe[k] as string] === undefined).map((k) =>
      ctx.problem(['services', s.name, 'probe', k], `${String(probe![k])} is not set in the environment or the env file`),
    );
  }),
});

export const profilesNameServices: Validator = (ctx) => ({
  errors: Object.entries(ctx.spec.profiles).flatMap(([profile, names]) =>
    names.flatMap((n, i) =>
      n in ctx.spec.services
        ? []
        : [ctx.problem(['profiles', profile, i], `"${n}" is not a service in this file (known: ${Object.keys(ctx.spec.services).join(', ')})`)],
    ),
  ),
});

/** `exports:` templates use only the placeholders `stack env` can fill in. */
export const exportsTemplates: Validator = (ctx) => ({
  errors: Object.values(ctx.spec.services).flatMap((s) =>
    Object.entries(s.exports).flatMap(([name, template]) => {
      const parsed = parseTemplate(template);
      if ('error' in parsed) return [ctx.problem(['services', s.name, 'exports', name], parsed.error)];
      const needsProbePort = parsed.parts.some((p) => 'port' in p && p.port === 'probe');
      if (needsProbePort && !(s.probe && 'port' in s.probe)) {
        return [
          ctx.problem(
            ['services', s.name, 'exports', name],
            "${port} is the probe's port, and this service has no probe with a port; use ${port:N} with its container port",
          ),
        ];
      }
      return [];
    }),
  ),
});

export const VALIDATORS: readonly Validator[] = [
  unknownDependencies,
  noCycles,
  composeServicesExist,
  healthyNeedsProbe,
  profilesNameServices,
  exportsTemplates,
  envReferencesSet,
];

export function runValidators(ctx: ValidationContext, validators: readonly Validator[] = VALIDATORS): ValidationResult {
  const results = validators.map((v) => v(ctx));
  return { errors: results.flatMap((r) => r.errors ?? []), warnings: results.flatMap((r) => r.warnings ?? []) };
}
