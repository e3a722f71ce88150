/**
 * Everything `stack` keeps under `.stack/` is private to the user: directories 0700, files 0600, whatever the
 * umask (the journal holds failing services' log lines; the token guards the supervisor's endpoints).
 */
import { appendFileSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  // `.stack/` itself too, when the state lives in the default place (and older versions made it 0755).
  if (basename(dirname(dir)) === '.stack') chmodSync(dirname(dir), 0o700);
}

export function writePrivateFile(file: string, data: string): void {
  ensurePrivateDir(dirname(file));
  writeFileSync(file, data, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode on write
}

/** Appends; the file is created 0600. The caller has made the directory. */
export function appendPrivateFile(file: string, data: string): void {
  appendFileSync(file, data, { mode: 0o600 });
}
