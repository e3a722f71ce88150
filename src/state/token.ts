/**
 * The per-stack token that every request to the supervisor's endpoints must carry (`Authorization: Bearer`).
 * Random, 0600 under the 0700 state directory, kept across supervisor runs so a Prometheus scrape config
 * that reads it from a file keeps working; a new one is made when the state directory is removed.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { StatePaths } from './paths.js';
import { writePrivateFile } from './private-files.js';

const TOKEN = /^[0-9a-f]{64}$/;

export function readToken(paths: Pick<StatePaths, 'token'>): string | undefined {
  try {
    const text = readFileSync(paths.token, 'utf8').trim();
    return TOKEN.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

export function ensureToken(paths: Pick<StatePaths, 'token'>): string {
  const existing = readToken(paths);
  if (existing) return existing;
  const token = randomBytes(32).toString('hex');
  writePrivateFile(paths.token, `${token}\n`);
  return token;
}

/** Constant-time check of an `Authorization: Bearer …` header against the token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
