/**
 * The compose CLI through the `docker-compose` npm package, for what compose owns: creating the project's
 * networks, volumes and containers, and `down`. Compose v2 (`docker compose`) is preferred; v1
 * (`docker-compose`) is used when v2 is absent. STACK_COMPOSE=v1|v2 forces one.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type * as ComposeLib from 'docker-compose';
import jsyaml from 'js-yaml';
import { StartFailedError, UsageError } from '../core/errors.js';
import { whichOnPath } from '../core/which.js';
import type { ComposeFlavor, ComposeModel } from './container-spec.js';

const run = promisify(execFile);

/**
 * The `docker-compose` package (and the `yaml` library it loads: ~25 ms) is loaded when compose first runs:
 * a `status` answered by the supervisor, or an `up` whose model comes from the cache, never runs it.
 */
const compose = {
  execCompose: async (...args: Parameters<typeof ComposeLib.execCompose>) => (await import('docker-compose')).execCompose(...args),
};

export type { ComposeFlavor };

/**
 * Which compose to use. v2 answers `docker compose version` in milliseconds; v1 is found on PATH without
 * running it, because starting the Python CLI just to ask costs ~0.7 s on every `up`.
 */
export async function detectCompose(preferred = process.env['STACK_COMPOSE'], path = process.env['PATH'] ?? ''): Promise<ComposeFlavor> {
  const v2 = async (): Promise<ComposeFlavor> => {
    await run('docker', ['compose', 'version', '--short']);
    return 'v2';
  };
  const v1 = async (): Promise<ComposeFlavor> => {
    if (!onPath('docker-compose', path)) throw new Error('docker-compose is not on PATH');
    return 'v1';
  };
  const wanted = (preferred ?? '').trim();
  if (wanted !== '' && wanted !== 'v1' && wanted !== 'v2') {
    throw new UsageError(
      `STACK_COMPOSE=${wanted} is not a compose flavour`,
      'Set STACK_COMPOSE=v2 (`docker compose`) or v1 (`docker-compose`), or leave it unset to use v2 when present, else v1.',
    );
  }
  // STACK_COMPOSE forces one flavour; unset, v2 is preferred and v1 is the fallback.
  const order = wanted === 'v1' ? [v1] : wanted === 'v2' ? [v2] : [v2, v1];
  for (const attempt of order) {
    try {
      return await attempt();
    } catch {
      // try the next flavour
    }
  }
  if (wanted) {
    throw new StartFailedError(
      `STACK_COMPOSE=${wanted} but ${wanted === 'v1' ? '`docker-compose` is not on PATH' : '`docker compose` does not answer'}`,
      `Install ${wanted === 'v1' ? 'docker-compose' : 'the compose plugin'}, or unset STACK_COMPOSE to use whichever compose is installed.`,
    );
  }
  throw new StartFailedError(
    'Neither `docker compose` (v2) nor `docker-compose` (v1) is installed',
    'Install Docker Desktop or the compose plugin (or `apt-get install docker-compose` on Debian).',
  );
}

function onPath(command: string, path: string): boolean {
  return whichOnPath(command, path) !== undefined;
}

export interface ComposeProject {
  name: string;
  files: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
}

export class ComposeCli {
  constructor(
    private readonly project: ComposeProject,
    readonly flavor: ComposeFlavor,
  ) {}

  private options(): ComposeLib.IDockerComposeOptions {
    return {
      cwd: this.project.cwd,
      config: [...this.project.files],
      composeOptions: ['--project-name', this.project.name],
      env: { ...process.env, ...this.project.env },
      executable: this.flavor === 'v1' ? { standalone: true } : { executablePath: 'docker' },
    };
  }

  private async exec(command: string, args: string[], what: string): Promise<void> {
    try {
      await compose.execCompose(command, args, this.options());
    } catch (err) {
      const text = String((err as { err?: string }).err ?? (err as Error).message ?? err).trim();
      throw new StartFailedError(`compose could not ${what}: ${lastLines(text)}`, hintFor(text), [], err);
    }
  }

  /** `up --no-start`: one compose call creates everything; the engine then starts each container itself. */
  create(services: readonly string[], noDeps = false): Promise<void> {
    return this.exec('up', ['--no-start', ...(noDeps ? ['--no-deps'] : []), ...services], `create ${services.join(', ')}`);
  }

  /** Image of each compose service that is not built by compose (`build:`), from compose's own resolved model. */
  async images(services: readonly string[]): Promise<Map<string, string>> {
    const { out } = await compose.execCompose('config', [], this.options());
    const model = jsyaml.load(out) as { services?: Record<string, { image?: string; build?: unknown }> } | null;
    const images = new Map<string, string>();
    for (const [name, s] of Object.entries(model?.services ?? {})) if (services.includes(name) && s.image && !s.build) images.set(name, s.image);
    return images;
  }

  /** compose's normalized model: v2 as JSON, v1 as YAML (v1 has no --format). */
  async model(): Promise<ComposeModel> {
    try {
      const { out } = await compose.execCompose('config', this.flavor === 'v2' ? ['--format', 'json'] : [], this.options());
      return (this.flavor === 'v2' ? JSON.parse(out) : jsyaml.load(out)) as ComposeModel;
    } catch (err) {
      const text = String((err as { err?: string }).err ?? (err as Error).message ?? err).trim();
      throw new StartFailedError(`compose could not read the project: ${lastLines(text)}`, hintFor(text), [], err);
    }
  }

  /** compose's own config hash of every service (`config --hash=*`): the label it compares to decide on recreating. */
  async hashes(): Promise<Record<string, string>> {
    const { out } = await compose.execCompose('config', ['--hash=*'], this.options());
    return Object.fromEntries(
      out
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((p): p is [string, string] => p.length === 2),
    );
  }

  /** compose's version, for the `version` label it puts on what it creates. */
  async version(): Promise<string> {
    const { out } = await compose.execCompose('version', ['--short'], this.options());
    return out.trim().replace(/^v/, '');
  }

  down(volumes: boolean): Promise<void> {
    return this.exec('down', ['--remove-orphans', '--timeout', '5', ...(volumes ? ['--volumes'] : [])], 'remove the project');
  }
}

function lastLines(text: string, n = 6): string {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .slice(-n)
    .join('\n');
}

export const IMAGE_MISSING = 'An image is missing and cannot be pulled: build it (scripts/build-images.sh here) or log in to its registry.';

export function hintFor(text: string): string | undefined {
  if (/port is already allocated|address already in use/i.test(text)) {
    return 'A host port in the compose file is taken by another process: stop it, or set the port variable (e.g. REDIS_PORT=0 for a random port).';
  }
  if (
    /pull access denied|manifest unknown|not found: manifest|No such image|failed to resolve reference|repository does not exist|error pulling image|dial tcp|TLS handshake timeout|Temporary failure in name resolution|Get "?https:\/\//i.test(
      text,
    )
  ) {
    return IMAGE_MISSING;
  }
  if (/variable is not set|required variable|must be set|set POSTGRES_PASSWORD/i.test(text)) {
    return 'A variable the compose file needs is not set: add it to .env (see .env.example) or the environment.';
  }
  return undefined;
}
