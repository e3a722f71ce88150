/**
 * VS Code tasks for a stack: an automatic task on folder open that brings the stack up under the supervisor
 * (`stack autostart`), plus Stack: Up, Down, Restart, Status and Dashboard. Merged into an existing tasks.json by label
 * with jsonc-parser, so the user's own tasks, comments and formatting stay as they are; running it again
 * changes nothing.
 */
import { applyEdits, modify, parse, type FormattingOptions } from 'jsonc-parser';

export interface VscodeTask {
  label: string;
  [key: string]: unknown;
}

export function stackTasks(command: string, services: readonly string[]): { tasks: VscodeTask[]; inputs: Record<string, unknown>[] } {
  const task = (label: string, args: string, detail: string, extra: Record<string, unknown> = {}): VscodeTask => ({
    label,
    detail,
    type: 'shell',
    command: `${command} ${args}`,
    problemMatcher: [],
    presentation: { reveal: 'always', panel: 'dedicated', group: 'stack', clear: true },
    ...extra,
  });
  return {
    tasks: [
      task('Stack: Autostart', 'autostart', 'Brings the stack up under the supervisor when this folder opens (STACK_AUTOSTART=0 turns it off)', {
        runOptions: { runOn: 'folderOpen' },
        presentation: { reveal: 'silent', panel: 'dedicated', group: 'stack', clear: true },
      }),
      task('Stack: Up', 'up --detach', 'Brings the stack up and supervises it in the background'),
      task('Stack: Down', 'down', 'Stops the supervisor and the stack (volumes kept)'),
      task('Stack: Restart', 'restart ${input:stackService}', 'Restarts one service through its health gate'),
      task('Stack: Status', 'status', 'Shows each service, its health and what the supervisor did'),
      task('Stack: Dashboard', 'dashboard', 'Opens the live dashboard the supervisor serves (graph, states, probes, logs, restart)'),
    ],
    inputs: [{ id: 'stackService', type: 'pickString', description: 'Service to restart', options: [...services] }],
  };
}

const FORMAT: FormattingOptions = { insertSpaces: true, tabSize: 2, eol: '\n' };

export function mergeTasks(existing: string | undefined, wanted: ReturnType<typeof stackTasks>): string {
  let text =
    existing && existing.trim()
      ? existing
      : '// Tasks for this workspace; the Stack: tasks are kept up to date by `stack init vscode`.\n{\n  "version": "2.0.0",\n  "tasks": []\n}\n';
  const current = () => parse(text, [], { allowTrailingComma: true }) as { tasks?: VscodeTask[]; inputs?: { id: string }[]; version?: string } | undefined;
  if (typeof current() !== 'object' || current() === null) throw new Error('tasks.json is not a JSON object');
  if (!current()!.version) text = applyEdits(text, modify(text, ['version'], '2.0.0', { formattingOptions: FORMAT }));
  if (!Array.isArray(current()!.tasks)) text = applyEdits(text, modify(text, ['tasks'], [], { formattingOptions: FORMAT }));
  for (const task of wanted.tasks) {
    const index = current()!.tasks!.findIndex((t) => t?.label === task.label);
    const path = ['tasks', index === -1 ? -1 : index];
    text = applyEdits(text, modify(text, path, task, { formattingOptions: FORMAT, isArrayInsertion: index === -1 }));
  }
  if (!Array.isArray(current()!.inputs)) text = applyEdits(text, modify(text, ['inputs'], [], { formattingOptions: FORMAT }));
  for (const input of wanted.inputs) {
    const index = current()!.inputs!.findIndex((i) => i?.id === input['id']);
    text = applyEdits(text, modify(text, ['inputs', index === -1 ? -1 : index], input, { formattingOptions: FORMAT, isArrayInsertion: index === -1 }));
  }
  return text.endsWith('\n') ? text : `${text}\n`;
}
