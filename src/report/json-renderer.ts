/** Collects events into one JSON document, printed once at the end (`--json`). */
import type { CreateReport, FailureReport, ServiceOutcome, StackEvent, Strategy } from '../core/events.js';
import type { Renderer } from './renderer.js';

export interface UpDocument {
  ok: boolean;
  strategy?: Strategy;
  durationMs?: number;
  /** The one compose call that creates networks, volumes and containers. */
  createMs?: number;
  waves?: string[][];
  /** How each compose service's container was made: through the engine API or compose, created, kept or recreated, and why. */
  created?: CreateReport[];
  /** Services no longer defined that still had a container or process: removed, or kept with --keep-orphans. */
  orphans?: { service: string; action: 'removed' | 'kept' }[];
  services: ({ name: string } & ServiceOutcome)[];
  failures: FailureReport[];
  error?: { code: string; exitCode: number; message: string; hint?: string };
}

export class JsonRenderer implements Renderer {
  readonly doc: UpDocument = { ok: false, services: [], failures: [] };
  private createBegin?: number;

  onEvent(e: StackEvent): void {
    if (e.type === 'plan') Object.assign(this.doc, { strategy: e.strategy, waves: e.waves });
    if (e.type === 'failure') this.doc.failures.push(e.report);
    if (e.type === 'orphan') (this.doc.orphans ??= []).push({ service: e.service, action: e.action });
    if (e.type === 'create' && e.phase === 'begin') this.createBegin ??= e.at; // from the first batch to the last
    if (e.type === 'create' && e.phase === 'end' && this.createBegin !== undefined) this.doc.createMs = e.at - this.createBegin;
    if (e.type === 'create' && e.phase === 'end' && e.reports) this.doc.created = [...(this.doc.created ?? []), ...e.reports];
    if (e.type === 'done') {
      this.doc.ok = e.ok;
      this.doc.durationMs = e.durationMs;
      this.doc.services = Object.entries(e.outcome).map(([name, o]) => ({ name, ...o }));
    }
  }

  async close(): Promise<void> {}
}
