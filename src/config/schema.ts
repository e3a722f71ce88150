/**
 * The stack.yaml (version 1) schema, as written by users: durations are still strings here.
 * `normalize.ts` turns a document that passed this schema into a typed StackSpec with defaults applied.
 * `npm run schema` publishes this schema as schema/stack.schema.json for editors.
 */
import { z } from 'zod';
import { DURATION_PATTERN, formatDuration, parseDuration } from './duration.js';

// Each process parses a stack.yaml once and a journal a few hundred times: compiling zod's parsers (its
// default JIT, `new Function` per object schema) costs more than it saves there (~30 ms of every command).
z.config({ jitless: true });

/** Every duration is at most a day: longer ones overflow Node's timers, which then fire at once. */
export const MAX_DURATION_MS = 24 * 3_600_000;

const durationText = z.string().regex(new RegExp(DURATION_PATTERN), { message: 'is not a duration: use a number with ms, s, m or h, e.g. 250ms, 15s, 2m' });

/** A duration of at least `minMs` (and at most a day); `why` says what a smaller one would do. */
const duration = (minMs: number, why: string) =>
  durationText
    .refine(
      (text) => {
        const ms = parseDuration(text);
        return ms === undefined || (ms >= minMs && ms <= MAX_DURATION_MS);
      },
      { message: `must be between ${formatDuration(minMs)} and 24h${why ? ` (${why})` : ''}` },
    )
    .describe(`A duration: a number followed by ms, s, m or h (e.g. 250ms, 15s, 2m); at least ${formatDuration(minMs)}, at most 24h.`);

const probeEvery = () => duration(100, 'a probe every few ms floods the service and the journal');

const port = z
  .number()
  .int()
  .min(1)
  .max(65535)
  .describe('The container port (the host port is resolved from the running container); for a host process, the port it listens on.');
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be the name of an environment variable' })
  .describe('Name of an environment variable (from the environment or env_file) holding the value.');

export const probeTimingShape = {
  interval: probeEvery().optional().describe('Time between two probe attempts (default 250ms).'),
  timeout: duration(100, '').optional().describe('A single attempt is cut after this long (default 2s).'),
  success_threshold: z.number().int().min(1).max(1000).optional().describe('Consecutive successes needed to be healthy (default 1).'),
  failure_threshold: z.number().int().min(1).max(1000).optional().describe('Consecutive failures that make a running service unhealthy (default 3).'),
};

const hostShape = { host: z.string().optional().describe('Host to probe instead of the published port on loopback.') };

const tcpProbe = z.strictObject({ type: z.literal('tcp'), port, ...hostShape, ...probeTimingShape });
const httpProbe = z.strictObject({
  type: z.literal('http'),
  port,
  ...hostShape,
  path: z.string().startsWith('/').optional().describe('Request path (default /).'),
  scheme: z.enum(['http', 'https']).optional(),
  method: z.enum(['GET', 'HEAD']).optional(),
  expect: z
    .strictObject({
      status: z
        .union([z.number().int(), z.array(z.number().int()).min(1)])
        .optional()
        .describe('Accepted status code(s); default any 2xx.'),
      body_contains: z.string().optional(),
      json: z.record(z.string(), z.unknown()).optional().describe('The JSON body must contain these keys with these values (deep subset match).'),
    })
    .optional(),
  ...probeTimingShape,
});
const redisProbe = z.strictObject({
  type: z.literal('redis'),
  port,
  ...hostShape,
  username_env: envName.optional(),
  password_env: envName.optional(),
  db: z.number().int().min(0).optional(),
  ...probeTimingShape,
});
const postgresProbe = z.strictObject({
  type: z.literal('postgres'),
  port,
  ...hostShape,
  user: z.string().optional().describe('User name (default postgres); or user_env.'),
  user_env: envName.optional(),
  password_env: envName.optional(),
  database: z.string().optional(),
  database_env: envName.optional(),
  query: z.string().optional().describe('Run after SELECT 1; must succeed.'),
  ...probeTimingShape,
});
const qdrantProbe = z.strictObject({ type: z.literal('qdrant'), port, ...hostShape, api_key_env: envName.optional(), ...probeTimingShape });
const prometheusProbe = z.strictObject({ type: z.literal('prometheus'), port, ...hostShape, ...probeTimingShape });
const grafanaProbe = z.strictObject({ type: z.literal('grafana'), port, ...hostShape, ...probeTimingShape });
const execProbe = z.strictObject({
  type: z.literal('exec'),
  command: z.union([z.string().min(1), z.array(z.string()).min(1)]).describe('Run in the container; exit 0 means ready. A string runs through sh -c.'),
  ...probeTimingShape,
});
const logProbe = z.strictObject({
  type: z.literal('log'),
  pattern: z
    .string()
    .min(1)
    .refine(
      (p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'is not a valid regular expression (JavaScript syntax)' },
    )
    .describe('Ready once a line the current run wrote (stdout or stderr) matches this regular expression, e.g. "listening on".'),
  ...probeTimingShape,
});
const dockerProbe = z.strictObject({ type: z.literal('docker'), ...probeTimingShape }).describe("The container's own HEALTHCHECK status.");

export const probeSchema = z.discriminatedUnion('type', [
  tcpProbe,
  httpProbe,
  redisProbe,
  postgresProbe,
  qdrantProbe,
  prometheusProbe,
  grafanaProbe,
  execProbe,
  dockerProbe,
  logProbe,
]);

export const CONDITIONS = ['healthy', 'started', 'completed'] as const;

const serviceName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, { message: 'is not a valid service name' });
const dependency = z.union([
  serviceName,
  z.strictObject({
    service: serviceName,
    condition: z.enum(CONDITIONS).optional(),
    restart: z
      .boolean()
      .optional()
      .describe(
        "When `up` recreates this dependency (its definition changed), restart the dependent after the new one passed its gate (compose's `restart: true`).",
      ),
  }),
]);

export const HEAL_TRIGGERS = ['exit', 'stopped', 'unhealthy'] as const;

export const healSchema = z
  .strictObject({
    on: z
      .array(z.enum(HEAL_TRIGGERS))
      .optional()
      .describe('What is healed: exit (crash, OOM, kill), stopped (a stop by hand, e.g. docker stop), unhealthy (liveness probe failing). Default all three.'),
    backoff: z
      .strictObject({
        initial: duration(100, 'restarts this close together are a crash loop of our own making')
          .optional()
          .describe('Delay before the first restart (default 1s).'),
        factor: z.number().min(1).max(100).optional().describe('Each further restart waits this many times longer (default 2).'),
        max: duration(100, '').optional().describe('Longest delay (default 60s).'),
        jitter: z.number().min(0).max(1).optional().describe('Random spread of each delay, as a fraction (default 0.2 = ±20%).'),
      })
      .optional(),
    reset_after: duration(1_000, '').optional().describe('Healthy this long after a restart resets the backoff (default 5m).'),
    max_restarts: z.number().int().min(1).max(10_000).optional().describe('Restarts within `window` that open the breaker (default 5).'),
    window: duration(1_000, '').optional().describe('See max_restarts (default 10m).'),
    restart_dependents: z.boolean().optional().describe("Restart the service's dependents in graph order once it is healthy again (default false)."),
    stop_timeout: duration(0, '').optional().describe('Grace period when stopping an unhealthy service before it is killed (default 5s).'),
    liveness: z
      .strictObject({
        interval: probeEvery().optional(),
        timeout: duration(100, '').optional(),
        failure_threshold: z.number().int().min(1).max(1000).optional(),
      })
      .optional()
      .describe("Liveness probing of a running service; default: the service's probe timing."),
  })
  .describe('Auto-healing policy of the supervisor (`stack up --watch` / `--detach`).');

const envFiles = z.union([z.string(), z.array(z.string())]);

export const SERVICE_KINDS = ['service', 'job'] as const;

export const serviceSchema = z
  .strictObject({
    description: z.string().optional(),
    compose_service: z.string().optional().describe('The service name in the compose files (default: the key).'),
    command: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe(
        'Run this on the host instead of a compose container: a string through the platform shell (sh -c; cmd /d /s /c on Windows), a list as the program and its arguments.',
      ),
    cwd: z.string().optional().describe('Working directory of the host process, relative to stack.yaml (default: its directory).'),
    env: z
      .record(envName, z.string())
      .optional()
      .describe("Environment of the host process, over stack's own environment and env files; values may use ${VAR} and ${VAR:-default}."),
    env_file: envFiles.optional().describe('Env files of the host process (relative to stack.yaml), under its env.'),
    ports: z.array(port).optional().describe('Ports the host process listens on (on the host).'),
    kind: z
      .enum(SERVICE_KINDS)
      .optional()
      .describe('job: runs to completion; dependents wait for exit 0 and it is not run again until its definition changes (default: service).'),
    depends_on: z.array(dependency).optional(),
    probe: probeSchema.optional(),
    startup_timeout: duration(1_000, '').optional().describe('Deadline from start to healthy (default from defaults.startup_timeout, else 60s).'),
    heal: z
      .union([healSchema, z.literal(false)])
      .optional()
      .describe('Overrides defaults.heal for this service; false: never heal it.'),
    exports: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an environment variable name' }), z.string())
      .optional()
      .describe(
        'Connection settings `stack env` prints, as templates: ${host}, ${port} (the probe port, published), ${port:8080}. Default by probe type (REDIS_URL, DATABASE_URL, QDRANT_URL, …).',
      ),
  })
  .superRefine((s, ctx) => {
    const issue = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [key], message });
    if (s.command !== undefined && s.compose_service !== undefined)
      issue('compose_service', 'a host process (command:) is not a compose service; remove one of command and compose_service');
    if (s.command === undefined)
      for (const key of ['cwd', 'env', 'env_file', 'ports'] as const)
        if (s[key] !== undefined) issue(key, `is only for a host process; add command: to run one, or set it in the compose file for a container`);
    if (s.command !== undefined && s.probe?.type === 'docker')
      ctx.addIssue({
        code: 'custom',
        path: ['probe', 'type'],
        message: 'a host process has no HEALTHCHECK to follow; use another probe type (tcp, http, log, exec…)',
      });
    if (s.kind === 'job') {
      if (s.probe !== undefined) issue('probe', 'a job has no probe: it is done when it exits 0; remove the probe (or make it a service)');
      if (s.heal !== undefined && s.heal !== false) issue('heal', 'a job is not healed or probed for liveness: it runs to completion; remove heal');
    }
  });

export const stackFileSchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1),
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'must be lowercase letters, digits, - and _ (it is the compose project name)' }),
  compose: z.strictObject({
    files: z.array(z.string()).min(1).describe('Compose files, relative to stack.yaml.'),
  }),
  target: z
    .enum(['compose', 'swarm'])
    .optional()
    .describe(
      'Where the containers run: compose (this engine, the default) or swarm (services on the Docker Swarm this engine manages). Also --target and STACK_TARGET.',
    ),
  env_file: envFiles.optional().describe('Env files (relative to stack.yaml) for secrets; default .env when present.'),
  defaults: z
    .strictObject({
      startup_timeout: duration(1_000, '').optional(),
      probe: z.strictObject(probeTimingShape).optional(),
      heal: healSchema.optional(),
    })
    .optional(),
  supervisor: z
    .strictObject({
      metrics: z
        .string()
        .regex(/^[\w.:[\]-]+:\d+$/, { message: 'must be HOST:PORT, e.g. 127.0.0.1:9464' })
        .optional()
        .describe('Where the supervisor serves Prometheus metrics (also STACK_METRICS_ADDR). Default: only on its loopback control port.'),
    })
    .optional(),
  profiles: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'must be lowercase letters, digits, - and _' }), z.array(z.string()).min(1))
    .optional()
    .describe('Named service sets for `--profile NAME` (e.g. ci, dev, full); each with its dependencies.'),
  notify: z
    .strictObject({
      webhook: z
        .strictObject({
          url: z.url().optional().describe('Where to POST breaker-open and recovery events (no secrets in it: use url_env for a URL with a token).'),
          url_env: envName.optional(),
        })
        .refine((w) => (w.url === undefined) !== (w.url_env === undefined), { message: 'set exactly one of url or url_env' }),
    })
    .optional(),
  services: z.record(serviceName, serviceSchema).refine((s) => Object.keys(s).length > 0, { message: 'must declare at least one service' }),
});

export type StackFile = z.infer<typeof stackFileSchema>;
export type RawService = z.infer<typeof serviceSchema>;
export type RawProbe = z.infer<typeof probeSchema>;
export type RawHeal = z.infer<typeof healSchema>;
