/** Every key stack.yaml allows anywhere, for "did you mean" hints on unknown keys. */
export const KNOWN_KEYS = [
  'version',
  'name',
  'compose',
  'files',
  'env_file',
  'defaults',
  'services',
  'startup_timeout',
  'probe',
  'interval',
  'timeout',
  'success_threshold',
  'failure_threshold',
  'description',
  'compose_service',
  'depends_on',
  'service',
  'condition',
  'type',
  'port',
  'host',
  'path',
  'scheme',
  'method',
  'expect',
  'status',
  'body_contains',
  'json',
  'username_env',
  'password_env',
  'db',
  'user',
  'user_env',
  'database',
  'database_env',
  'query',
  'api_key_env',
  'command',
  'heal',
  'on',
  'backoff',
  'initial',
  'factor',
  'max',
  'jitter',
  'reset_after',
  'max_restarts',
  'window',
  'restart_dependents',
  'stop_timeout',
  'liveness',
  'notify',
  'webhook',
  'url',
  'url_env',
  'exports',
  'profiles',
  'supervisor',
  'metrics',
] as const;

/** The known key within edit distance 2 of `word`, if exactly one is nearest. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
