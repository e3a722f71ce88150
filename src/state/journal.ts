/**
 * The journal: one JSON line per event in `.stack/<project>/events.jsonl` (0600). Bounded: past `maxBytes`
 * the file is rotated to events.1.jsonl (one old file kept), so it never grows without end. Readers skip
 * and count lines that are torn, not JSON, or not a record of a known shape.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import type { StackEvent } from '../core/events.js';
import { journalRecordSchema } from './journal-schema.js';
import { appendPrivateFile, ensurePrivateDir } from './private-files.js';

export type JournalRecord = StackEvent & { ts: string; pid: number };

export interface JournalRead {
  records: JournalRecord[];
  /** Lines that were skipped: torn, not JSON, or not a record of a known shape. */
  malformed: number;
}

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
    private readonly pid = process.pid,
  ) {}

  /** This writer's idea of the file's size: read once, then counted, so an event costs one write, not a stat. */
  private written: number | undefined;

  append(event: StackEvent): void {
    if (!worthJournaling(event)) return;
    const line = `${JSON.stringify({ ts: new Date(event.at).toISOString(), pid: this.pid, ...event }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`;
    try {
      if (this.written === undefined) {
        ensurePrivateDir(dirname(this.file));
        this.written = this.size();
      }
      if (this.written + line.length > this.maxBytes) {
        renameSync(this.file, this.file.replace(/\.jsonl$/, '.1.jsonl'));
        this.written = 0;
      }
      appendPrivateFile(this.file, line);
      this.written += Buffer.byteLength(line);
    } catch {
      // The journal is a record, not a dependency: a full disk must not stop healing.
    }
  }

  /**
   * Every well-formed record, oldest first, across the rotated file and the current one. With `types`, only
   * records of those types are validated and returned (and only their malformed lines counted): a reader that
   * folds a few types (status: healing) does not pay for validating thousands of probe and state records.
   */
  read(types?: ReadonlySet<JournalRecord['type']>): JournalRead {
    const out: JournalRead = { records: [], malformed: 0 };
    for (const f of [this.file.replace(/\.jsonl$/, '.1.jsonl'), this.file]) {
      if (existsSync(f)) parseLines(readFileSync(f, 'utf8'), out, types);
    }
    return out;
  }

  size(): number {
    return existsSync(this.file) ? statSync(this.file).size : 0;
  }

  /** Calls `onRecord` for each record appended after `from` (a byte offset) until `signal` aborts. */
  async follow(from: number, onRecord: (r: JournalRecord) => void, signal: AbortSignal, clock: Clock = systemClock, pollMs = 100): Promise<void> {
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
        const got: JournalRead = { records: [], malformed: 0 };
        parseLines(text.slice(0, cut), got);
        got.records.forEach(onRecord);
      }
      try {
        await clock.sleep(pollMs, signal);
      } catch {
        return;
      }
    }
  }
}

function parseLines(text: string, into: JournalRead, types?: ReadonlySet<string>): void {
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      into.malformed++; // a torn last line after a crash, or garbage
      continue;
    }
    if (types && !types.has((value as { type?: unknown } | null)?.type as string)) continue;
    const parsed = journalRecordSchema.safeParse(value);
    if (parsed.success) into.records.push(value as JournalRecord);
    else into.malformed++;
  }
}
