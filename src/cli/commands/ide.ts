/** `stack autostart` (what an editor runs when the folder opens) and `stack init vscode`. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { mergeTasks, stackTasks } from '../../ide/vscode-tasks.js';
import { load, type GlobalOptions } from '../context.js';
import type { CliIo } from '../io.js';
import { upCommand } from './up.js';

const OFF = new Set(['0', 'false', 'no', 'off']);

/** Like `up --detach`, but a no-op when STACK_AUTOSTART is off, so a hook can always be installed. */
export async function autostartCommand(opts: GlobalOptions, io: CliIo): Promise<void> {
  const setting = (io.env['STACK_AUTOSTART'] ?? '').trim().toLowerCase();
  if (OFF.has(setting)) {
    io.stdout.write(
      opts.json
        ? `${JSON.stringify({ ok: true, autostart: 'off' })}\n`
        : `stack autostart is off (STACK_AUTOSTART=${io.env['STACK_AUTOSTART']}); run \`stack up --detach\` to start it by hand\n`,
    );
    return;
  }
  await upCommand([], { strategy: 'eager', detach: true }, opts, io);
}

export function initVscodeCommand(o: { dir?: string; command: string }, opts: GlobalOptions, io: CliIo): void {
  const { spec } = load(opts, io);
  const workspace = resolve(io.cwd, o.dir ?? '.');
  const file = join(workspace, '.vscode', 'tasks.json');
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  // The tasks run from the workspace folder: point them at this stack file if it is elsewhere.
  const stackFile = relative(workspace, spec.file);
  const command = stackFile === 'stack.yaml' ? o.command : `${o.command} -f ${stackFile}`;
  let after: string;
  try {
    after = mergeTasks(before, stackTasks(command, Object.keys(spec.services).sort()));
  } catch (err) {
    throw new UsageError(
      `${relative(io.cwd, file)} could not be merged: ${(err as Error).message}`,
      'Fix the file (it must be a JSON object) or move it aside and run again.',
    );
  }
  const action = after === before ? 'unchanged' : before ? 'merged' : 'written';
  if (action !== 'unchanged') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, after);
  }
  if (opts.json) return void io.stdout.write(`${JSON.stringify({ ok: true, file, action })}\n`);
  if (action === 'unchanged') return void io.stdout.write(`✔ ${relative(io.cwd, file)} already has the Stack tasks\n`);
  io.stdout.write(
    `✔ ${before ? 'merged the Stack tasks into' : 'wrote'} ${relative(io.cwd, file)}\n` +
      '  VS Code asks once whether to allow automatic tasks in this folder: choose "Allow" (or set "task.allowAutomaticTasks": "on").\n' +
      '  STACK_AUTOSTART=0 in your environment turns the folder-open task off.\n',
  );
}
