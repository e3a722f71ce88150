/** Where a stack keeps its state: `.stack/<project>/` next to stack.yaml (git-ignored), or STACK_STATE_DIR. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface StatePaths {
  dir: string;
  /** proper-lockfile's lock directory: held by whoever runs up, the supervisor, down or restart. */
  lock: string;
  /** Who holds the lock and what it is doing. */
  owner: string;
  journal: string;
  supervisorLog: string;
}

export function statePaths(stackDir: string, project: string, env: Readonly<Record<string, string | undefined>> = process.env): StatePaths {
  const dir = env['STACK_STATE_DIR'] || join(stackDir, '.stack', project);
  mkdirSync(dir, { recursive: true });
  return {
    dir,
    lock: join(dir, 'lock'),
    owner: join(dir, 'owner.json'),
    journal: join(dir, 'events.jsonl'),
    supervisorLog: join(dir, 'supervisor.log'),
  };
}
