/** The dependency graph as text for docs and a quick look: Mermaid, Graphviz dot, or an indented tree (pure). */
import { planWaves } from './plan.js';

export type GraphFormat = 'mermaid' | 'dot' | 'text';

interface GraphService {
  dependsOn: readonly { service: string; condition: string }[];
  probe?: { type: string };
  /** `process`: runs on the host; shown as such. */
  kind?: 'container' | 'process';
  job?: boolean;
}

/** What a service is when it is not a plain container service: `process`, `job`, `process job`. */
const kindOf = (s: GraphService): string | null => [s.kind === 'process' ? 'process' : '', s.job ? 'job' : ''].filter(Boolean).join(' ') || null;

const id = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');

/** The graph as data, for `stack graph --json`: nodes in wave order, edges from a service to what it depends on. */
export function graphJson(services: Readonly<Record<string, GraphService>>, subset?: readonly string[]) {
  const waves = planWaves(services, subset);
  const names = waves.flat();
  return {
    waves,
    services: names.map((n) => ({ name: n, kind: services[n]!.kind ?? 'container', job: services[n]!.job ?? false, probe: services[n]!.probe?.type ?? null })),
    edges: names.flatMap((n) =>
      services[n]!.dependsOn.filter((d) => names.includes(d.service)).map((d) => ({ from: n, to: d.service, condition: d.condition })),
    ),
  };
}

export function renderGraph(services: Readonly<Record<string, GraphService>>, format: GraphFormat, subset?: readonly string[]): string {
  const waves = planWaves(services, subset);
  const names = waves.flat();
  const edges = names.flatMap((n) =>
    services[n]!.dependsOn.filter((d) => names.includes(d.service)).map((d) => ({ from: n, to: d.service, condition: d.condition })),
  );
  const label = (n: string) => {
    const tags = [kindOf(services[n]!), services[n]!.probe?.type].filter(Boolean);
    return `${n}${tags.length ? ` (${tags.join(', ')})` : ''}`;
  };
  const edgeLabel = (c: string) => (c === 'healthy' ? '' : c);
  switch (format) {
    case 'mermaid':
      return (
        [
          'graph BT',
          ...names.map((n) => `  ${id(n)}["${label(n)}"]`),
          // An arrow points from a service to what it depends on; bottom-to-top reads as start order.
          ...edges.map((e) => `  ${id(e.from)} -->${edgeLabel(e.condition) ? `|${e.condition}|` : ''} ${id(e.to)}`),
        ].join('\n') + '\n'
      );
    case 'dot':
      return (
        [
          'digraph stack {',
          '  rankdir=BT;',
          '  node [shape=box];',
          ...waves.map((w) => `  { rank=same; ${w.map((n) => `"${n}"`).join('; ')}; }`),
          ...names.map((n) => `  "${n}" [label="${label(n)}"];`),
          ...edges.map((e) => `  "${e.from}" -> "${e.to}"${edgeLabel(e.condition) ? ` [label="${e.condition}"]` : ''};`),
          '}',
        ].join('\n') + '\n'
      );
    case 'text':
      return (
        waves
          .map((w, i) =>
            [
              `wave ${i}:`,
              ...w.map(
                (n) =>
                  `  ${label(n)}${services[n]!.dependsOn.length ? ` ← ${services[n]!.dependsOn.map((d) => d.service + (edgeLabel(d.condition) ? ` (${d.condition})` : '')).join(', ')}` : ''}`,
              ),
            ].join('\n'),
          )
          .join('\n') + '\n'
      );
  }
}
