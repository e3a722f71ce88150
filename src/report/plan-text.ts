/** `stack plan` as text: the waves, each service with what it waits for, and the stop order. */
import type { DependencySpec } from '../config/types.js';
import { stopOrder } from '../graph/plan.js';

export function planText(name: string, file: string, strategy: string, waves: string[][], dependencies: Record<string, DependencySpec[]>): string {
  const label = (n: string) => {
    const deps = dependencies[n] ?? [];
    return deps.length ? `${n} (after ${deps.map((d) => `${d.service}${d.condition === 'healthy' ? '' : ` ${d.condition}`}`).join(', ')})` : n;
  };
  return (
    [
      `plan for ${name} (${file}), strategy ${strategy}:`,
      ...waves.map((w, i) => `  wave ${i}: ${w.map(label).join(', ')}`),
      `stop order (down): ${stopOrder(waves)
        .map((w) => w.join(', '))
        .join(' → ')}`,
    ].join('\n') + '\n'
  );
}
