/**
 * Synthetic stacks for the benchmark: N tiny services in a random DAG from a fixed seed, each ready
 * (listening on 8080) a set delay after it starts. Pure: returns the files' text and the graph.
 */
export interface SyntheticService {
  name: string;
  dependsOn: string[];
  readyDelayMs: number;
}

/** mulberry32: a small seeded PRNG, so every run and every machine gets the same graphs. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each service depends on up to 3 earlier ones (so the graph is acyclic), and is ready 100–500 ms after it starts. */
export function randomDag(n: number, seed = 42): SyntheticService[] {
  const rand = seeded(seed + n);
  const services: SyntheticService[] = [];
  for (let i = 0; i < n; i++) {
    const name = `s${String(i).padStart(3, '0')}`;
    const k = i === 0 ? 0 : Math.floor(rand() * 4);
    const deps = new Set<string>();
    for (let j = 0; j < k; j++) deps.add(services[Math.floor(rand() * i)]!.name);
    services.push({ name, dependsOn: [...deps].sort(), readyDelayMs: 100 + Math.floor(rand() * 5) * 100 });
  }
  return services;
}

export function composeFile(services: readonly SyntheticService[], image: string): string {
  const lines = ['services:'];
  for (const s of services) {
    lines.push(`  ${s.name}:`);
    lines.push(`    image: ${image}`);
    lines.push(`    command: ["sh", "-c", "sleep ${s.readyDelayMs / 1000}; exec httpd -f -p 8080 -h /"]`);
    lines.push(`    ports: ["127.0.0.1::8080"]`);
    lines.push('    stop_signal: SIGKILL');
  }
  return `${lines.join('\n')}\n`;
}

export function stackFile(name: string, services: readonly SyntheticService[], liveness?: { intervalMs: number }): string {
  const lines = [
    'version: 1',
    `name: ${name}`,
    'compose: { files: [compose.yml] }',
    'defaults:',
    '  startup_timeout: 120s',
    `  probe: { interval: 100ms, timeout: 1s }`,
    ...(liveness ? [`  heal: { liveness: { interval: ${liveness.intervalMs}ms }, max_restarts: 100 }`] : []),
    'services:',
  ];
  for (const s of services) {
    lines.push(`  ${s.name}:`);
    if (s.dependsOn.length) lines.push(`    depends_on: [${s.dependsOn.join(', ')}]`);
    lines.push('    probe: { type: tcp, port: 8080 }');
  }
  return `${lines.join('\n')}\n`;
}
