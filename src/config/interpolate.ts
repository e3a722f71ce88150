/**
 * `${VAR}` in a host process's `env:` values, as compose interpolates its files (pure): `${VAR}` and `$VAR`,
 * `${VAR:-default}` (default when unset or empty), `${VAR-default}` (default when unset), `$$` for a `$`.
 * Beyond compose: `${SERVICE.port:N}` and `${SERVICE.host:N}`, where another service of the stack can be
 * reached on the host for its container port N (the published port, random ones included), resolved when
 * the process starts. Without `refs` (validation) they are left as written.
 */
export type Interpolated = { ok: true; value: string } | { ok: false; missing: string[] } | { ok: false; error: string };

export interface EndpointRef {
  service: string;
  what: 'host' | 'port';
  port: number;
  /** As written, the key of its value in `refs`. */
  text: string;
}

const REF = /\$\{([A-Za-z0-9][A-Za-z0-9_-]*)\.(host|port):(\d{1,5})\}/g;
const TOKEN =
  /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*)|(\{[A-Za-z0-9][A-Za-z0-9_-]*\.(?:host|port):\d{1,5}\})|(\{[^}]*\}?))/g;

/** The services a template reaches through `${SERVICE.port:N}` / `${SERVICE.host:N}`. */
export function endpointRefs(template: string): EndpointRef[] {
  return [...template.matchAll(REF)].map((m) => ({ service: m[1]!, what: m[2] as 'host' | 'port', port: Number(m[3]), text: m[0] }));
}

export function interpolate(template: string, env: Readonly<Record<string, string | undefined>>, refs?: Readonly<Record<string, string>>): Interpolated {
  const missing: string[] = [];
  let error: string | undefined;
  const value = template.replace(TOKEN, (whole, braced?: string, op?: string, fallback?: string, bare?: string, ref?: string, bad?: string) => {
    if (whole === '$$') return '$';
    if (ref !== undefined) return refs?.[whole] ?? whole;
    if (bad !== undefined) {
      error ??= `"${bad.startsWith('{') ? `$${bad}` : whole}" is not a valid substitution; write \${NAME}, \${NAME:-default} or $$ for a literal $`;
      return '';
    }
    const name = (braced ?? bare)!;
    const v = env[name];
    if (op === ':-') return v === undefined || v === '' ? fallback! : v;
    if (op === '-') return v === undefined ? fallback! : v;
    if (v === undefined) missing.push(name);
    return v ?? '';
  });
  if (error) return { ok: false, error };
  return missing.length > 0 ? { ok: false, missing: [...new Set(missing)] } : { ok: true, value };
}

/** Each `env:` entry resolved; the names of unset variables, per entry, when some are missing. */
export function interpolateAll(
  templates: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
  refs?: Readonly<Record<string, string>>,
): { env: Record<string, string>; problems: { key: string; message: string }[] } {
  const out: Record<string, string> = {};
  const problems: { key: string; message: string }[] = [];
  for (const [key, template] of Object.entries(templates)) {
    const r = interpolate(template, env, refs);
    if (r.ok) out[key] = r.value;
    else if ('missing' in r)
      problems.push({ key, message: `uses ${r.missing.join(', ')}, which ${r.missing.length > 1 ? 'are' : 'is'} not set in the environment or the env file` });
    else problems.push({ key, message: r.error });
  }
  return { env: out, problems };
}
