/**
 * Loads stack.yaml as a pipeline: read → parse (keeping line/col) → schema → defaults → validators.
 * Returns the spec and warnings, or throws one ConfigError holding every problem found. Never prints.
 */
import { existsSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, relative, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { readComposeServices } from './compose-files.js';
import { locate } from './locate.js';
import { normalizeServices } from './normalize.js';
import { pathToString, type ConfigProblem } from '../core/problems.js';
import { stackFileSchema, type StackFile } from './schema.js';
import { TARGETS, type StackSpec, type StackTarget } from './types.js';
import { composeServicesExist, noCycles, runValidators, unknownDependencies } from './validators.js';
import { closest, knownKeys } from './known-keys.js';
import { parseYaml, sourceDocument } from './parse-yaml.js';
import { processProblems } from './process-checks.js';
import { MiB, readConfigFile, textDigest } from './read-file.js';

/** Far above any real stack file (20,000 services fit in under 1 MiB), far below what would hang a CLI. */
export const STACK_FILE_LIMIT = 4 * MiB;
export const ENV_FILE_LIMIT = 1 * MiB;

export interface LoadOptions {
  /** The process environment (injected so tests control it). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Extra compose files (e.g. a local-images override), resolved against `cwd`, appended after stack.yaml's. */
  extraComposeFiles?: readonly string[];
  cwd?: string;
  /** Overrides `name` (the compose project), e.g. to run a second copy of the stack in tests or CI. */
  projectName?: string;
  /** Overrides `target` (--target); else STACK_TARGET, else stack.yaml's, else compose. */
  target?: string;
}

export interface LoadedStack {
  spec: StackSpec;
  warnings: ConfigProblem[];
}

/**
 * The `stack` settings that may come from the environment or, as compose reads COMPOSE_FILE from `.env`,
 * from the env file: STACK_COMPOSE_FILES (extra compose files, separated like PATH), STACK_PROJECT_NAME,
 * STACK_PROFILE, STACK_COMPOSE, STACK_METRICS_ADDR, STACK_STATE_DIR, STACK_TARGET (and DOCKER_HOST). The environment wins.
 * Paths from the environment are relative to the working directory; from the env file, to stack.yaml's.
 */
export const STACK_SETTINGS = [
  'STACK_COMPOSE_FILES',
  'STACK_PROJECT_NAME',
  'STACK_PROFILE',
  'STACK_COMPOSE',
  'STACK_METRICS_ADDR',
  'STACK_STATE_DIR',
  'STACK_TARGET',
  'DOCKER_HOST',
] as const;

/**
 * Secrets a probe names (`*_env`) and variables a host process's env uses (`services.X.env.KEY`) that are
 * not set: a warning for `validate`, an error for `up`.
 */
export function missingSecrets(warnings: readonly ConfigProblem[]): ConfigProblem[] {
  return warnings.filter((w) => w.path.endsWith('_env') || /^services\..+\.env\.[A-Za-z_][A-Za-z0-9_]*$/.test(w.path));
}

const SECRET_KEY = /pass(word)?|secret|token|api_?key/i;

export function loadStack(file: string, options: LoadOptions = {}): LoadedStack {
  const cwd = options.cwd ?? process.cwd();
  const path = resolve(cwd, file);
  const shown = relative(cwd, path) || path;
  const read = readConfigFile(path, STACK_FILE_LIMIT);
  if (!read.ok) {
    const message =
      read.why === 'does not exist' ? 'file not found; create it (see README) or pass -f/--file PATH' : `${read.why}; pass the stack file with -f/--file PATH`;
    throw new ConfigError([{ file: shown, path: '', message }]);
  }
  const text = read.text;
  const yaml = parseYaml(text);
  if (!yaml.ok) throw new ConfigError(yaml.problems.map((p) => ({ file: shown, path: '', ...p })));

  // Positions come from a second, slower parse that keeps the source: only made when there is a problem to place.
  let source: { doc: Document; lines: LineCounter } | undefined;
  const located = () => {
    source ??= sourceDocument(text);
    return source;
  };
  // Problems found outside the YAML walk (e.g. a missing compose file) get their position from their path.
  const placed = (list: ConfigProblem[]) =>
    list.map((p) => (p.line === undefined && p.file === shown && p.path ? { ...p, ...locate(located().doc, located().lines, parsePath(p.path)) } : p));
  const at = (p: readonly PropertyKey[], message: string, atKey = false): ConfigProblem => ({
    file: shown,
    path: pathToString(p),
    message,
    ...locate(located().doc, located().lines, p, atKey),
  });

  const dir = dirname(path);
  const raw = yaml.data;
  const parsed = stackFileSchema.safeParse(raw);
  if (!parsed.success) {
    // Still check the graph and compose files of what could be read, so all problems come out together.
    const salvaged = salvage(raw, dir, options, cwd);
    const graphProblems = salvaged
      ? [
          ...readComposeServices(salvaged.composeFiles, shown, cwd).problems,
          ...runValidators({ spec: salvaged, composeServices: readComposeServices(salvaged.composeFiles, shown, cwd).services, problem: (p, m) => at(p, m) }, [
            unknownDependencies,
            noCycles,
            composeServicesExist,
          ]).errors,
        ]
      : [];
    const schema = parsed.error.issues.flatMap((issue) => schemaProblems(issue, at, located().doc));
    throw new ConfigError(sortProblems(placed([...schema, ...graphProblems])));
  }

  const envFiles = resolveEnvFiles(parsed.data, dir);
  const processEnv = options.env ?? process.env;
  const { env, problems: envProblems } = readEnv(envFiles.found, processEnv, (f, why) =>
    at(['env_file'], `env file ${relative(cwd, f).startsWith('..') ? f : relative(cwd, f)} ${why}`),
  );
  // STACK_COMPOSE_FILES from the environment is relative to the working directory, from the env file to stack.yaml's.
  const settingsBase = processEnv['STACK_COMPOSE_FILES'] ? cwd : dir;
  const composeFiles = [
    ...parsed.data.compose.files.map((f) => resolve(dir, f)),
    ...(options.extraComposeFiles ?? []).map((f) => (isAbsolute(f) ? f : resolve(cwd, f))),
    ...(env['STACK_COMPOSE_FILES'] ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((f) => resolve(settingsBase, f)),
  ];
  const target = options.target || env['STACK_TARGET'] || parsed.data.target || 'compose';
  const targetProblems = (TARGETS as readonly string[]).includes(target)
    ? []
    : [
        at(
          ['target'],
          `target "${target}" (from ${options.target ? '--target' : env['STACK_TARGET'] ? 'STACK_TARGET' : 'target'}) is not one of ${TARGETS.join(', ')}`,
        ),
      ];
  const spec: StackSpec = {
    target: target as StackTarget,
    file: path,
    digest: textDigest(text),
    dir,
    name: options.projectName || env['STACK_PROJECT_NAME'] || parsed.data.name,
    composeFiles,
    envFiles: envFiles.found,
    env,
    services: normalizeServices(parsed.data, dir),
    profiles: parsed.data.profiles ?? {},
    ...(parsed.data.supervisor?.metrics ? { metricsAddr: parsed.data.supervisor.metrics } : {}),
    notify: {
      ...(parsed.data.notify?.webhook.url ? { webhookUrl: parsed.data.notify.webhook.url } : {}),
      ...(parsed.data.notify?.webhook.url_env ? { webhookUrlEnv: parsed.data.notify.webhook.url_env } : {}),
    },
  };

  const compose = readComposeServices(composeFiles, shown, cwd);
  const validated = runValidators({ spec, composeServices: compose.services, problem: (p, m) => at(p, m) });
  const processes = processProblems(spec, (p, m) => at(p, m));
  const errors = [...validated.errors, ...processes.errors];
  const warnings = [...validated.warnings, ...processes.warnings];
  const missingEnvFiles = envFiles.missing.map((f) => at(['env_file'], `env file ${relative(cwd, f)} does not exist`));
  const problems = [...compose.problems, ...missingEnvFiles, ...envProblems, ...targetProblems, ...errors];
  if (problems.length > 0) throw new ConfigError(sortProblems(placed(problems)), warnings);
  return { spec, warnings };
}

/** One zod issue → problems with positions; unknown keys point at each key, with a hint for secrets. */
function schemaProblems(issue: z.core.$ZodIssue, at: (p: readonly PropertyKey[], m: string, atKey?: boolean) => ConfigProblem, doc: Document): ConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) =>
      at(
        [...issue.path, key],
        SECRET_KEY.test(key)
          ? `secrets may not be written in stack.yaml; put the value in the environment or the env file and use ${key.replace(/_?env$/, '')}_env: VAR_NAME`
          : `unknown key${didYouMean(key)}; see schema/stack.schema.json for the keys allowed here`,
        true,
      ),
    );
  }
  const value = doc.getIn(issue.path as PropertyKey[]);
  const shownValue = value === undefined ? '' : `${JSON.stringify(value)} `;
  if (issue.code === 'invalid_union' && issue.path.at(-1) === 'type') {
    return [at(issue.path, `${shownValue}is not a probe type (use tcp, http, redis, postgres, qdrant, prometheus, grafana, exec or docker)`)];
  }
  if (issue.code === 'invalid_union' && (issue as { note?: string }).note === 'No matching discriminator') {
    return [
      at(
        [...issue.path, 'type'],
        `${shownValue ? '' : 'missing; '}probe type must be one of tcp, http, redis, postgres, qdrant, prometheus, grafana, exec, docker`,
      ),
    ];
  }
  if (issue.code === 'invalid_type' && value === undefined) return [at(issue.path, `is required (${issue.expected})`)];
  return [at(issue.path, `${shownValue}${issue.message}`)];
}

function resolveEnvFiles(file: StackFile, dir: string): { found: string[]; missing: string[] } {
  if (file.env_file === undefined) {
    const dotenv = resolve(dir, '.env');
    return { found: existsSync(dotenv) ? [dotenv] : [], missing: [] };
  }
  const all = (Array.isArray(file.env_file) ? file.env_file : [file.env_file]).map((f) => resolve(dir, f));
  return { found: all.filter((f) => existsSync(f)), missing: all.filter((f) => !existsSync(f)) };
}

/** Env files first, then the process environment on top (as compose does). */
function readEnv(
  files: readonly string[],
  processEnv: Readonly<Record<string, string | undefined>>,
  problem: (file: string, why: string) => ConfigProblem,
): { env: Record<string, string>; problems: ConfigProblem[] } {
  const env: Record<string, string> = {};
  const problems: ConfigProblem[] = [];
  for (const f of files) {
    const read = readConfigFile(f, ENV_FILE_LIMIT);
    if (read.ok) Object.assign(env, parseEnv(read.text));
    else problems.push(problem(f, read.why));
  }
  for (const [k, v] of Object.entries(processEnv)) if (v !== undefined) env[k] = v;
  return { env, problems };
}

function didYouMean(key: string): string {
  const near = closest(key, knownKeys());
  return near ? ` (did you mean ${near}?)` : '';
}

function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort((a, b) => (a.file === b.file ? (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0) : 0));
}

/** The graph part of a document that failed the schema: names, dependencies and compose names that are readable. */
function salvage(raw: unknown, dir: string, options: LoadOptions, cwd: string): StackSpec | undefined {
  const doc = raw as { name?: unknown; compose?: { files?: unknown }; services?: Record<string, unknown> } | null;
  if (!doc || typeof doc.services !== 'object' || doc.services === null) return undefined;
  const files = Array.isArray(doc.compose?.files) ? doc.compose.files.filter((f): f is string => typeof f === 'string') : [];
  const services: StackSpec['services'] = {};
  for (const [name, value] of Object.entries(doc.services)) {
    const s = (value ?? {}) as { depends_on?: unknown; compose_service?: unknown; command?: unknown };
    const deps = Array.isArray(s.depends_on) ? s.depends_on : [];
    services[name] = {
      name,
      composeService: typeof s.compose_service === 'string' ? s.compose_service : name,
      kind: s.command === undefined ? 'container' : 'process',
      job: false,
      dependsOn: deps
        .map((d) => (typeof d === 'string' ? d : (d as { service?: unknown } | null)?.service))
        .filter((d): d is string => typeof d === 'string')
        .map((service) => ({ service, condition: 'started' as const })),
      startupTimeoutMs: 0,
      heal: null,
      exports: {},
    };
  }
  return {
    file: '',
    digest: '',
    dir,
    name: String(doc.name ?? ''),
    composeFiles: [...files.map((f) => resolve(dir, f)), ...(options.extraComposeFiles ?? []).map((f) => resolve(cwd, f))],
    envFiles: [],
    env: {},
    services,
    notify: {},
    profiles: {},
    target: 'compose',
  };
}

function parsePath(path: string): (string | number)[] {
  return path.split(/\.|(?=\[)/).map((k) => (/^\[\d+\]$/.test(k) ? Number(k.slice(1, -1)) : k));
}
