/**
 * Where a stack keeps its state: `.stack/<project>/` next to stack.yaml (git-ignored), or STACK_STATE_DIR.
 * Only the paths: nothing is created until something is written (see private-files.ts), so reading
 * commands leave no trace.
 */
import { join } from 'node:path';

export interface StatePaths {
  dir: string;
  /** proper-lockfile's lock directory: held by whoever runs up, the supervisor, down or restart. */
  lock: string;
  /** Who holds the lock and what it is doing. */
  owner: string;
  journal: string;
  supervisorLog: string;
  /** The per-stack token the supervisor's endpoints require. */
  token: string;
}

export function statePaths(stackDir: string, project: string, env: Readonly<Record<string, string | undefined>> = process.env): StatePaths {
  const dir = env['STACK_STATE_DIR'] || join(stackDir, '.stack', project);
  return {
    dir,
    lock: join(dir, 'lock'),
    owner: join(dir, 'owner.json'),
    journal: join(dir, 'events.jsonl'),
    supervisorLog: join(dir, 'supervisor.log'),
    token: join(dir, 'token'),
  };
}
