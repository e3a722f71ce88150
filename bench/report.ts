/** The benchmark's markdown table. */
import { median } from './measure.js';
import { rssSlope, type SoakResult, type ValidateScaling } from './soak.js';

export interface BenchResults {
  date: string;
  quick: boolean;
  durationS?: number;
  machine: { cores: number; cpu: string; memoryGiB: number; node: string; engine: string; compose: string };
  six?: {
    runs: Record<string, number[]>;
    medians: Record<string, number>;
    /** Median of stack's single compose create call. */
    createMs: number;
    criticalPath: { path: string[]; ms: number; readyMs: Record<string, number> };
    /** Every container created and started straight through the engine API, no gating (bench/measure.ts). */
    engineFloorMs: number;
    /** The first `up` after the compose files changed: compose asked for its model (not in `runs`). */
    firstRun?: { ms: number; createMs: number };
  };
  /** The dashboard page: its bytes, and medians of first contentful paint and of every node drawn, on the six. */
  dashboard?: { bytes: Record<string, number>; firstPaintMs: number; allNodesMs: number };
  /** The six on a single-node swarm: `stack up --target swarm` and the engine floor (create + scale all at once). */
  swarm?: { runs: Record<string, number[]>; medians: Record<string, number> };
  /** On the healthy six-service stack, process start to exit (medians): alone, and with a supervisor running. */
  idempotent?: { upMs: number; statusMs: number; supervisedUpMs: number; supervisedStatusMs: number };
  synthetic: {
    services: number;
    engineFloorMs: number;
    /** What critical-path-first scheduling would take on this engine with no probe latency (bench/schedule-model.ts). */
    idealMs?: number;
    firstRun?: { ms: number; createMs: number };
    waves: number;
    criticalPathMs: number;
    upMs: number[];
    medianUpMs: number;
    overheadMs: number;
    overheadPerServiceMs: number;
    createMs: number;
    planInProcessUs: number;
    planCliMs: number;
  }[];
  supervision?: {
    services: number;
    seconds: number;
    cpuPercent: number;
    rssMiB: { median: number; max: number };
    kills: number;
    detectionMs: { median: number; samples: number[] };
    recoveryMs: { median: number; samples: number[] };
  };
  status: { services: number; ms: number }[];
  soak?: SoakResult;
  validate?: ValidateScaling;
  errors?: { scenario: string; message: string }[];
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function markdown(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`## stack benchmark${r.quick ? ' (quick)' : ''} — ${r.date.slice(0, 16).replace('T', ' ')} UTC`, '');
  out.push(
    `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, Docker Engine ${m.engine}, ${m.compose}.${r.durationS ? ` Took ${r.durationS} s.` : ''}`,
    '',
  );
  if (r.six) {
    const base = r.six.medians['stack up']!;
    out.push('### Six-service stack, from nothing to all healthy (images present)', '');
    out.push('| how | median | runs | × stack up |', '|---|---|---|---|');
    for (const [tool, med] of Object.entries(r.six.medians)) {
      out.push(`| ${tool} | ${s(med)} | ${r.six.runs[tool]!.map(s).join(', ')} | ${(med / base).toFixed(2)} |`);
    }
    const cp = r.six.criticalPath;
    out.push(`| critical path (floor): ${cp.path.join(' → ')} | ${s(cp.ms)} | | ${(cp.ms / base).toFixed(2)} |`);
    out.push(
      `| engine floor: create + start all six through the API, no gating | ${s(r.six.engineFloorMs)} | | ${(r.six.engineFloorMs / base).toFixed(2)} |`,
      '',
    );
    const floor = Math.max(cp.ms, r.six.engineFloorMs);
    const compose = r.six.medians['compose, healthchecks every 1s'];
    out.push(
      `\`stack up\` = **${(base / floor).toFixed(2)}× the floor** (max of critical path and engine floor)` +
        (compose ? `; compose with 1 s healthchecks takes **${(compose / base).toFixed(2)}×** as long as \`stack up\`.` : '.'),
      '',
    );
    out.push(
      `Each service alone, start to ready: ${Object.entries(cp.readyMs)
        .map(([k, v]) => `${k} ${s(v)}`)
        .join(', ')}.`,
    );
    out.push(`Of \`stack up\`'s time, creating every container took ${s(r.six.createMs)} (median).`);
    if (r.six.firstRun)
      out.push(
        `The first \`up\` after the compose files change (compose asked for its model, then cached) took ${s(r.six.firstRun.ms)}, of which creating ${s(r.six.firstRun.createMs)}; the rounds above are later runs.`,
      );
    out.push('');
  }
  if (r.swarm) {
    const base = r.swarm.medians['stack up --target swarm']!;
    out.push('### The six on a single-node swarm, from nothing to all healthy', '');
    out.push('| how | median | runs | × stack up --target swarm |', '|---|---|---|---|');
    for (const [tool, med] of Object.entries(r.swarm.medians))
      out.push(`| ${tool} | ${s(med)} | ${r.swarm.runs[tool]!.map(s).join(', ')} | ${(med / base).toFixed(2)} |`);
    const floor = Object.entries(r.swarm.medians).find(([k]) => k.startsWith('engine floor'))?.[1];
    if (floor)
      out.push('', `\`stack up --target swarm\` = **${(base / floor).toFixed(2)}× the swarm's own cost** (ordered and gated vs. all at once, ungated).`);
    if (r.six?.medians['stack up']) out.push(`The compose target's \`stack up\` of the same six in this run: ${s(r.six.medians['stack up'])}.`);
    out.push('');
  }
  if (r.dashboard) {
    const d = r.dashboard;
    const total = Object.values(d.bytes).reduce((a, b) => a + b, 0);
    out.push(
      '### The dashboard (Chromium, loopback, the six supervised)',
      '',
      `Page weight ${(total / 1024).toFixed(0)} KiB (${Object.entries(d.bytes)
        .map(([k, v]) => `${k} ${(v / 1024).toFixed(1)} KiB`)
        .join(
          ', ',
        )}; uncompressed); first contentful paint **${s(d.firstPaintMs)}**, every node drawn with its state **${s(d.allNodesMs)}** after the request (medians).`,
      '',
    );
  }
  if (r.synthetic.length) {
    out.push('### Synthetic graphs (tiny services, ready 100–500 ms after start, random DAG, seed 42)', '');
    out.push(
      '| services | waves | critical path | engine floor | ideal schedule | stack up (median) | × max(floors) | × ideal | of which create | overhead over critical path | per service | plan in-process | `stack plan` process |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const g of r.synthetic) {
      const floor = Math.max(g.criticalPathMs, g.engineFloorMs ?? 0);
      const ideal = g.idealMs ?? NaN;
      out.push(
        `| ${g.services} | ${g.waves} | ${s(g.criticalPathMs)} | ${s(g.engineFloorMs ?? NaN)} | ${s(ideal)} | ${s(g.medianUpMs)} | ${(g.medianUpMs / floor).toFixed(2)} | ${(g.medianUpMs / ideal).toFixed(2)} | ${s(g.createMs)} | ${s(g.overheadMs)} | ${g.overheadPerServiceMs.toFixed(0)} ms | ${g.planInProcessUs.toFixed(0)} µs | ${g.planCliMs.toFixed(0)} ms |`,
      );
    }
    out.push(
      '',
      'Ideal schedule: the engine starting one container at a time (the engine floor ÷ services each), every service started the moment its dependencies are ready and seen ready at once, longest chain first (bench/schedule-model.ts) — what a perfect orchestrator would take on this engine; neither floor alone accounts for both the engine and readiness.',
    );
    const firsts = r.synthetic.filter((g) => g.firstRun);
    if (firsts.length)
      out.push(
        '',
        `First \`up\` after the compose files change (compose model not cached yet; not in the medians): ${firsts.map((g) => `${g.services} services ${s(g.firstRun!.ms)} (create ${s(g.firstRun!.createMs)})`).join(', ')}.`,
      );
    out.push('');
  }
  if (r.supervision) {
    const v = r.supervision;
    out.push(`### Supervision: ${v.services} services, liveness probe every 1 s, ${v.seconds} s`, '');
    out.push('| supervisor CPU | RSS median / max | crash detection (median of ' + v.kills + ') | crash to healthy again (median) |', '|---|---|---|---|');
    out.push(
      `| ${v.cpuPercent.toFixed(1)} % of one core | ${v.rssMiB.median.toFixed(0)} / ${v.rssMiB.max.toFixed(0)} MiB | ${v.detectionMs.median.toFixed(0)} ms | ${s(v.recoveryMs.median)} (backoff 1 s ±20% included) |`,
      '',
    );
  }
  if (r.idempotent) {
    const i = r.idempotent;
    out.push('### On the healthy six-service stack, process start to exit (median)', '');
    out.push('| command | alone | with a supervisor running (its live state) |', '|---|---|---|');
    out.push(`| \`stack up\` (nothing to do) | ${i.upMs.toFixed(0)} ms | ${i.supervisedUpMs.toFixed(0)} ms |`);
    out.push(`| \`stack status --json\` | ${i.statusMs.toFixed(0)} ms | ${i.supervisedStatusMs.toFixed(0)} ms |`, '');
  }
  if (r.status.length) {
    out.push('### `stack status --json`, process start to exit (median)', '');
    out.push('| services | latency |', '|---|---|');
    for (const x of r.status) out.push(`| ${x.services} | ${x.ms.toFixed(0)} ms |`);
    out.push('');
  }
  for (const e of r.errors ?? []) out.push(`**${e.scenario} failed:** ${e.message}`, '');
  if (r.soak) {
    const k = r.soak.samples;
    const first = k[0]!;
    const last = k.at(-1)!;
    const max = Math.max(...k.map((x) => x.rssMiB));
    out.push(`### Soak: ${r.soak.services} services supervised for ${r.soak.seconds} s, no faults`, '');
    out.push('| RSS start → end (max) | RSS trend | open fds start → end | journal size end |', '|---|---|---|---|');
    out.push(
      `| ${first.rssMiB.toFixed(0)} → ${last.rssMiB.toFixed(0)} MiB (${max.toFixed(0)}) | ${rssSlope(k) >= 0 ? '+' : ''}${rssSlope(k).toFixed(2)} MiB/min | ${first.fds} → ${last.fds} | ${(last.journalBytes / 1024).toFixed(1)} KiB |`,
      '',
    );
    const { bareMiB, librariesMiB } = r.soak.floor;
    const med = median(k.map((x) => x.rssMiB));
    out.push(
      `RSS floor, same Node and flags: ${bareMiB.toFixed(0)} MiB doing nothing, ${librariesMiB.toFixed(0)} MiB having only loaded the libraries the supervisor talks through (engine, probe clients, metrics). ` +
        `Supervisor median ${med.toFixed(0)} MiB = ${(med / librariesMiB).toFixed(2)}× that floor (${(med - librariesMiB).toFixed(0)} MiB of our code and state).`,
      '',
    );
  }
  if (r.validate) {
    out.push('### `stack validate` against the number of services', '');
    out.push('| services | validate (process, median of 3) |', '|---|---|');
    for (const v of r.validate.runs) out.push(`| ${v.services.toLocaleString('en')} | ${s(v.ms)} |`);
    out.push('', `20,000 / 2,000 services: ${r.validate.ratio.toFixed(1)}× the time for 10× the services (linear: ~10×; quadratic: ~100×).`, '');
  }
  return `${out.join('\n')}\n`;
}
