import { describe, expect, it } from 'vitest';
import { composeFile, randomDag, stackFile } from '../../bench/synthetic.js';
import { findCycles } from '../../src/graph/cycles.js';
import { criticalPath, planWaves } from '../../src/graph/plan.js';

const asGraph = (dag: ReturnType<typeof randomDag>) => Object.fromEntries(dag.map((s) => [s.name, { dependsOn: s.dependsOn.map((service) => ({ service })) }]));

describe('benchmark synthetic graphs', () => {
  it.each([20, 50, 200])('%i services: the same acyclic graph every time, with delays of 100–500 ms', (n) => {
    const dag = randomDag(n);
    expect(dag).toHaveLength(n);
    expect(randomDag(n)).toEqual(dag);
    expect(findCycles(asGraph(dag))).toEqual([]);
    expect(dag.every((s) => s.readyDelayMs >= 100 && s.readyDelayMs <= 500)).toBe(true);
    expect(planWaves(asGraph(dag)).length).toBeGreaterThan(2);
    const path = criticalPath(asGraph(dag), Object.fromEntries(dag.map((s) => [s.name, s.readyDelayMs])));
    expect(path.ms).toBe(path.path.reduce((sum, name) => sum + dag.find((s) => s.name === name)!.readyDelayMs, 0));
  });

  it('writes a compose file and a stack file for every service', () => {
    const dag = randomDag(20);
    expect(composeFile(dag, 'img').match(/^ {2}s\d{3}:$/gm)).toHaveLength(20);
    expect(stackFile('b', dag).match(/probe: \{ type: tcp, port: 8080 \}/g)).toHaveLength(20);
  });
});
