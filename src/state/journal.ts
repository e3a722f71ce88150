/**
 * The journal: one JSON line per event in `.stack/<project>/events.jsonl`. Bounded: past `maxBytes` the file
 * is rotated to events.1.jsonl (one old file kept), so it never grows without end.
 */
import { appendFileSync, existsSync, openSync, readFileSync, readSync, closeSync, renameSync, statSync } from 'node:fs';
import type { StackEvent } from '../core/events.js';

export type JournalRecord = StackEvent & { ts: string; pid: number };

const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;

/** Events worth keeping: state changes and failures, not every passing probe. */
export function worthJournaling(e: StackEvent): boolean {
  if (e.type === 'probe') return !e.result.ok;
  if (e.type === 'liveness') return !e.result.ok;
  return e.type !== 'create';
}

export class Journal {
  constructor(
    readonly file: string,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
  ) {}

  /** This writer's idea of the file's size: read once, then counted, so an event costs one write, not a stat. */
  private written: number | undefined;

  append(event: StackEvent): void {
    if (!worthJournaling(event)) return;
    const line = `${JSON.stringify({ ts: new Date(event.at).toISOString(), pid: process.pid, ...event }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`;
    try {
      this.written ??= this.size();
      if (this.written + line.length > this.maxBytes) {
        renameSync(this.file, this.file.replace(/\.jsonl$/, '.1.jsonl'));
        this.written = 0;
      }
      appendFileSync(this.file, line);
      this.written += Buffer.byteLength(line);
    } catch {
      // The journal is a record, not a dependency: a full disk must not stop healing.
    }
  }

  /** Every record, oldest first, across the rotated file and the current one. */
  read(): JournalRecord[] {
    return [this.file.replace(/\.jsonl$/, '.1.jsonl'), this.file].flatMap((f) => (existsSync(f) ? parseLines(readFileSync(f, 'utf8')) : []));
  }

  size(): number {
    return existsSync(this.file) ? statSync(this.file).size : 0;
  }

  /** Calls `onRecord` for each record appended after `from` (a byte offset) until `signal` aborts. */
  async follow(from: number, onRecord: (r: JournalRecord) => void, signal: AbortSignal, pollMs = 100): Promise<void> {
    let offset = from;
    let partial = '';
    while (!signal.aborted) {
      const size = this.size();
      if (size < offset) offset = 0; // rotated
      if (size > offset) {
        const fd = openSync(this.file, 'r');
        const buf = Buffer.alloc(size - offset);
        readSync(fd, buf, 0, buf.length, offset);
        closeSync(fd);
        offset = size;
        const text = partial + buf.toString('utf8');
        const cut = text.lastIndexOf('\n') + 1;
        partial = text.slice(cut);
        for (const r of parseLines(text.slice(0, cut))) onRecord(r);
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}

function parseLines(text: string): JournalRecord[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as JournalRecord];
      } catch {
        return []; // a torn last line after a crash
      }
    });
}
