/**
 * A host process's output file: stdout and stderr both go straight to it (the process writes to the file
 * itself, so nothing is lost while no `stack` process runs). Rotated by copy-and-truncate, as logrotate's
 * copytruncate does, because the process keeps its descriptor open: one older file (`.1`) is kept.
 */
import { closeSync, copyFileSync, openSync, readSync, statSync, truncateSync } from 'node:fs';

/** A log grows to this size before it is rotated. */
export const LOG_MAX_BYTES = 10 * 1024 * 1024;
/** The most of a log that is read at once (for a probe or a failure report). */
const READ_MAX_BYTES = 4 * 1024 * 1024;

export function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Copies the log to `.1` and empties it when it has outgrown `maxBytes`; returns whether it did. */
export function rotateIfLarge(file: string, maxBytes = LOG_MAX_BYTES): boolean {
  if (sizeOf(file) <= maxBytes) return false;
  copyFileSync(file, `${file}.1`);
  truncateSync(file, 0);
  return true;
}

/** The bytes from `offset` to the end (at most the last READ_MAX_BYTES); from the start when the file was truncated since. */
export function readFrom(file: string, offset: number): { text: string; end: number } {
  const size = sizeOf(file);
  const from = Math.max(size < offset ? 0 : offset, size - READ_MAX_BYTES);
  if (size <= from) return { text: '', end: size };
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(size - from);
    const n = readSync(fd, buf, 0, buf.length, from);
    return { text: buf.toString('utf8', 0, n), end: from + n };
  } finally {
    closeSync(fd);
  }
}

/** Complete lines written since `offset`, the last `tail` of them when given. */
export function linesFrom(file: string, offset: number, tail?: number): string[] {
  const lines = readFrom(file, offset).text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return tail === undefined ? lines : lines.slice(-tail);
}
