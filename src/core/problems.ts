/** A problem found while loading stack.yaml: where it is (file:line:col and key path) and how to fix it. */
export interface ConfigProblem {
  file: string;
  /** Dotted key path, e.g. `services.redis.startup_timeout`; empty for the whole file. */
  path: string;
  message: string;
  line?: number;
  col?: number;
}

export function pathToString(path: readonly PropertyKey[]): string {
  return path
    .map((k) => (typeof k === 'number' ? `[${k}]` : String(k)))
    .join('.')
    .replace(/\.\[/g, '[');
}
