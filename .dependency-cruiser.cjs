/**
 * The layers of src/, bottom first. A module may import its own layer or a lower one, never a higher one
 * (type-only imports count too). `npm run check` runs this; the README's diagram is the same list.
 */
const LAYERS = [
  ['core'], // Clock, events, problems, error classes: imports nothing of ours
  ['graph'], // pure planning
  ['config'], // load, defaults, validate, schema
  ['probes', 'runtime'], // typed probes; the engine and compose behind the Runtime interface
  ['engine', 'preflight', 'export'], // up (scheduler, gate), down, status, restart through the gate; pre-flight checks; manifests for other engines
  ['state', 'report', 'notify', 'connect'], // .stack/ files, renderers, webhook, connection settings
  ['healing'], // the supervisor and its parts
  ['session'], // lock, join and detach: one session below the CLI and the API
  ['api.ts', 'index.ts', 'ide'], // the programmatic API; VS Code tasks
  ['cli'], // commander program and commands
];

const folder = (name) => (name.endsWith('.ts') ? name.replace('.', '\\.') + '$' : `${name}/`);
const below = (i) =>
  LAYERS.slice(0, i + 1)
    .flat()
    .map(folder)
    .join('|');

module.exports = {
  forbidden: [
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `layer-${layer.join('+')}`,
      comment: `src/{${layer.join(',')}} may import only ${LAYERS.slice(0, i + 1)
        .flat()
        .join(', ')}`,
      severity: 'error',
      from: { path: `^src/(${layer.map(folder).join('|')})` },
      to: { path: '^src/', pathNot: `^src/(${below(i)})` },
    })),
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.build.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js'] },
  },
};
