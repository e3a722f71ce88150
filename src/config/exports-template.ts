/**
 * The grammar of `exports:` templates, in one place for `validate` (which rejects bad ones) and `stack env`
 * (which fills them in): `${host}`, `${port}` (the probe's port, published), `${port:N}` (container port N).
 */
export type TemplatePart = { text: string } | { host: true } | { port: number | 'probe' };

const PLACEHOLDER = /\$\{([^}]*)\}/g;

export function parseTemplate(template: string): { parts: TemplatePart[] } | { error: string } {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push({ text: template.slice(last, m.index) });
    last = m.index + m[0].length;
    const inner = m[1]!;
    if (inner === 'host') parts.push({ host: true });
    else if (inner === 'port') parts.push({ port: 'probe' });
    else if (/^port:\d{1,5}$/.test(inner) && Number(inner.slice(5)) >= 1 && Number(inner.slice(5)) <= 65535) parts.push({ port: Number(inner.slice(5)) });
    else return { error: `unknown placeholder ${m[0]} (use \${host}, \${port} or \${port:N})` };
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  return { parts };
}
