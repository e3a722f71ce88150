/** Timestamped lines for CI logs and editors' task terminals: no colours, no cursor movement, stable order. */
import { formatDuration } from '../config/duration.js';
import type { StackEvent } from '../core/events.js';
import { clockTime, createLines, describeSupervisorEvent, formatReport, interrupted, orphanText } from './format.js';
import type { Output, Renderer } from './renderer.js';

export class PlainRenderer implements Renderer {
  private width = 12;
  private lastError = new Map<string, string>();
  private waves: string[][] = [];
  private total = 0;

  /** `verbose` (--debug): how every service's container was made, not only the recreated and compose-made ones. */
  constructor(
    private readonly out: Output,
    private readonly verbose = false,
  ) {}

  private line(at: number, text: string) {
    this.out.write(`${clockTime(at)} ${text}\n`);
  }

  onEvent(e: StackEvent): void {
    switch (e.type) {
      case 'plan':
        this.width = Math.max(this.width, ...e.services.map((s) => s.length));
        this.waves = e.waves;
        this.total = e.services.length;
        this.line(e.at, `plan (${e.strategy}): ${e.waves.map((w, i) => `wave ${i}: ${w.join(', ')}`).join(' | ')}`);
        break;
      case 'create':
        if (e.phase === 'end')
          this.line(
            e.at,
            `created containers, networks and volumes for ${e.services.length} services${e.services.length < this.total ? ` (${e.services[0]}…)` : ''}`,
          );
        if (e.phase === 'end') for (const l of createLines(e.reports ?? [], this.verbose, this.width)) this.line(e.at, l);
        break;
      case 'service': {
        const name = e.service.padEnd(this.width);
        const took = e.sinceStartMs === undefined ? '' : ` in ${formatDuration(e.sinceStartMs)}`;
        this.line(e.at, `${name} ${e.state}${took}${e.detail ? ` (${e.detail})` : ''}`);
        break;
      }
      case 'probe':
        // Only a new kind of failure is worth a line; repeating the same refusal every 250 ms is noise.
        if (!e.result.ok && this.lastError.get(e.service) !== e.result.error) {
          this.lastError.set(e.service, e.result.error ?? '');
          this.line(e.at, `${e.service.padEnd(this.width)} waiting: ${e.result.error}`);
        }
        break;
      case 'failure':
        for (const l of formatReport(e.report)) this.out.write(`${l}\n`);
        break;
      case 'stop':
        this.line(e.at, `${e.service.padEnd(this.width)} ${e.phase === 'begin' ? 'stopping' : 'stopped'}`);
        break;
      case 'orphan':
        this.line(e.at, `${e.service.padEnd(this.width)} ${orphanText(e.action)}`);
        break;
      case 'removed':
        this.line(e.at, `removed containers and networks${e.volumes ? ' and volumes' : ' (volumes kept; --volumes removes them)'}`);
        break;
      default: {
        const text = describeSupervisorEvent(e, this.width);
        if (text) this.line(e.at, text);
        break;
      }
      case 'done':
        this.line(
          e.at,
          e.ok
            ? `all ${Object.keys(e.outcome).length} services healthy in ${formatDuration(e.durationMs)}`
            : `up ${interrupted(e.outcome) ? 'interrupted' : 'failed'} after ${formatDuration(e.durationMs)}`,
        );
        // The same summary in the same order every run, whatever order things happened in (diffable CI logs).
        this.waves.forEach((wave, i) =>
          wave.forEach((name) => {
            const o = e.outcome[name];
            if (!o) return;
            const ready = o.readyMs === undefined ? '' : ` ${formatDuration(o.readyMs)}`;
            this.out.write(`  wave ${i}  ${name.padEnd(this.width)} ${o.state}${ready}${o.unchanged ? ' (unchanged)' : ''}\n`);
          }),
        );
        break;
    }
  }

  async close(): Promise<void> {}
}
