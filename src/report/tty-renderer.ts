/** The live view on a terminal: one listr2 task per service, driven by engine events. */
import { Listr, type DefaultRenderer, type ListrTaskWrapper } from 'listr2';
import { formatDuration } from '../config/duration.js';
import type { StackEvent } from '../core/events.js';
import { clockTime, createLines, describeSupervisorEvent, formatReport, interrupted, orphanText } from './format.js';
import type { Output, Renderer } from './renderer.js';

type Task = ListrTaskWrapper<unknown, typeof DefaultRenderer, never>;

interface Slot {
  task?: Task;
  finish?: (err?: Error) => void;
  pending?: StackEvent; // a terminal event that came before listr started the task
}

export class TtyRenderer implements Renderer {
  private slots = new Map<string, Slot>();
  private run?: Promise<unknown>;
  private after: string[] = [];

  constructor(
    private readonly out: Output,
    private readonly verbose = false,
  ) {}

  onEvent(e: StackEvent): void {
    if (e.type === 'plan') return this.begin(e.waves.flat());
    if (e.type === 'service' || e.type === 'probe') this.update(e);
    if (e.type === 'failure') this.after.push(...formatReport(e.report), '');
    if (e.type === 'create' && e.phase === 'end') this.after.unshift(...createLines(e.reports ?? [], this.verbose));
    if (e.type === 'stop' && e.phase === 'end') this.out.write(`✔ stopped ${e.service}\n`);
    if (e.type === 'orphan') this.out.write(`${e.action === 'removed' ? '✔' : '!'} ${e.service} ${orphanText(e.action)}\n`);
    if (e.type === 'removed') this.out.write(`✔ removed containers and networks${e.volumes ? ' and volumes' : ' (volumes kept)'}\n`);
    const supervision = describeSupervisorEvent(e);
    if (supervision) this.out.write(`${clockTime(e.at)} ${supervision}\n`); // after the live view: plain lines
    if (e.type === 'done')
      this.after.push(
        e.ok
          ? `✔ all ${Object.keys(e.outcome).length} services healthy in ${formatDuration(e.durationMs)}`
          : `✖ up ${interrupted(e.outcome) ? 'interrupted' : 'failed'} after ${formatDuration(e.durationMs)}`,
      );
  }

  private begin(services: string[]) {
    const list = new Listr(
      services.map((name) => ({
        title: `${name}: pending`,
        task: (_ctx: unknown, task: Task) =>
          new Promise<void>((resolve, reject) => {
            const slot = this.slot(name);
            slot.task = task;
            slot.finish = (err) => (err ? reject(err) : resolve());
            if (slot.pending) this.update(slot.pending);
          }),
      })),
      { concurrent: true, exitOnError: false, renderer: 'default', rendererOptions: { collapseErrors: false } },
    );
    this.run = list.run().catch(() => {});
  }

  private slot(name: string): Slot {
    let s = this.slots.get(name);
    if (!s) this.slots.set(name, (s = {}));
    return s;
  }

  private update(e: StackEvent) {
    if (e.type !== 'service' && e.type !== 'probe') return;
    const slot = this.slot(e.service);
    const task = slot.task;
    if (!task) {
      if (e.type === 'service') slot.pending = e;
      return;
    }
    if (e.type === 'probe') {
      if (!e.result.ok) task.output = `attempt ${e.attempt}: ${e.result.error}`;
      return;
    }
    const took = e.sinceStartMs === undefined ? '' : ` in ${formatDuration(e.sinceStartMs)}`;
    task.title = `${e.service}: ${e.state}${took}${e.detail && e.state !== 'failed' ? ` (${e.detail})` : ''}`;
    if (e.state === 'healthy' || e.state === 'completed') slot.finish?.();
    if (e.state === 'failed') slot.finish?.(new Error(e.detail ?? 'failed'));
    if (e.state === 'skipped' || e.state === 'cancelled') {
      task.skip(`${e.service}: ${e.state}${e.detail ? ` (${e.detail})` : ''}`);
      slot.finish?.();
    }
  }

  async close(): Promise<void> {
    for (const slot of this.slots.values()) slot.finish?.(); // anything still open (e.g. interrupted)
    await this.run;
    if (this.after.length) this.out.write(`${this.after.join('\n')}\n`);
  }
}
