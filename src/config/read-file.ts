/**
 * Reads a file the configuration names (stack.yaml, a compose file, an env file) defensively: only a regular
 * file (a named pipe would block forever, /dev/zero never ends, a directory or a symlink loop is a mistake
 * to name as such), and at most `limit` bytes. Opened non-blocking, then checked on the open descriptor.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

export const MiB = 1024 * 1024;

export type ReadOutcome = { ok: true; text: string } | { ok: false; why: string };

export function readConfigFile(path: string, limit: number): ReadOutcome {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, why: 'does not exist' };
    if (code === 'ELOOP') return { ok: false, why: 'is a symlink loop' };
    if (code === 'EACCES' || code === 'EPERM') return { ok: false, why: 'cannot be read (permission denied)' };
    if (code === 'EISDIR') return { ok: false, why: 'is a directory, not a file' };
    return { ok: false, why: `cannot be opened (${code ?? String(err)})` };
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { ok: false, why: 'is a directory, not a file' };
    if (!st.isFile())
      return {
        ok: false,
        why: `is not a regular file (${st.isFIFO() ? 'a named pipe' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'a socket'})`,
      };
    if (st.size > limit) return { ok: false, why: `is ${(st.size / MiB).toFixed(1)} MiB; stack reads at most ${limit / MiB} MiB from such a file` };
    const buf = Buffer.alloc(Math.min(st.size, limit) + 1);
    let got = 0;
    for (let n; got < buf.length && (n = readSync(fd, buf, got, buf.length - got, null)) > 0;) got += n;
    if (got > limit) return { ok: false, why: `is larger than ${limit / MiB} MiB (it grew while being read)` };
    return { ok: true, text: buf.subarray(0, got).toString('utf8') };
  } finally {
    closeSync(fd);
  }
}

/** The sha256 of a text: tells whether two processes loaded the same stack.yaml (see StackSpec.digest). */
export const textDigest = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The digest of a file's text as loadStack would take it, '' when it cannot be read. */
export function fileDigest(path: string): string {
  try {
    return textDigest(readFileSync(path, 'utf8'));
  } catch {
    return '';
  }
}
