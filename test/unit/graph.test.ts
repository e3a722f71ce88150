import { describe, expect, it } from 'vitest';
import { findCycles } from '../../src/graph/cycles.js';
import { chainBelow, criticalPath, dependentsOf, planWaves, selectServices, startOrder, stopOrder } from '../../src/graph/plan.js';

const g = (edges: Record<string, string[]>) =>
  Object.fromEntries(Object.entries(edges).map(([n, deps]) => [n, { dependsOn: deps.map((service) => ({ service })) }]));

const project = g({ qdrant: [], redis: [], postgres: [], prometheus: [], grafana: ['prometheus'], 'rag-server': ['qdrant', 'redis', 'prometheus'] });

describe('planWaves', () => {
  it.each([
    ['single', g({ a: [] }), [['a']]],
    ['chain', g({ c: ['b'], b: ['a'], a: [] }), [['a'], ['b'], ['c']]],
    ['longest chain decides the wave', g({ a: [], b: ['a'], c: ['a', 'b'] }), [['a'], ['b'], ['c']]],
    ['names sorted within a wave', g({ z: [], m: [], a: [], y: ['z', 'a'] }), [['a', 'm', 'z'], ['y']]],
    [
      'the project stack',
      project,
      [
        ['postgres', 'prometheus', 'qdrant', 'redis'],
        ['grafana', 'rag-server'],
      ],
    ],
  ])('%s', (_name, services, waves) => expect(planWaves(services)).toEqual(waves));

  it('plans a subset', () => {
    expect(planWaves(project, ['grafana', 'prometheus'])).toEqual([['prometheus'], ['grafana']]);
  });
});

describe('selectServices', () => {
  it('adds transitive dependencies', () => {
    expect(selectServices(g({ a: [], b: ['a'], c: ['b'], d: [] }), ['c'])).toEqual({ selected: ['a', 'b', 'c'], unknown: [] });
  });
  it('selects everything when nothing is named', () => {
    expect(selectServices(project, []).selected).toHaveLength(6);
  });
  it('reports unknown names', () => {
    expect(selectServices(project, ['redis', 'mongo']).unknown).toEqual(['mongo']);
  });
});

describe('chainBelow and startOrder (critical-path-first)', () => {
  // z heads a chain of three; a, b and c have nothing below them; m sits under two chains of different length.
  const chains = g({ a: [], b: [], c: [], z: [], 'z-child': ['z'], 'z-grandchild': ['z-child'], m: [], m1: ['m'], m2: ['m', 'z-child'] });
  it('counts the longest chain of dependents below each service, itself included', () => {
    const rank = chainBelow(chains);
    expect(Object.fromEntries(rank)).toEqual({ a: 1, b: 1, c: 1, z: 3, 'z-child': 2, 'z-grandchild': 1, m: 2, m1: 1, m2: 1 });
  });
  it('weighs each service by the given cost (e.g. its time to ready)', () => {
    const rank = chainBelow(chains, undefined, (n) => (n === 'm1' ? 10 : 1));
    expect(rank.get('m')).toBe(11);
    expect(rank.get('z')).toBe(3);
  });
  it('ranks only within the subset', () => {
    expect(Object.fromEntries(chainBelow(chains, ['z', 'z-child']))).toEqual({ z: 2, 'z-child': 1 });
  });
  it('orders wave by wave, the longest chain first within a wave, then by name', () => {
    expect(startOrder(planWaves(chains), chainBelow(chains))).toEqual(['z', 'm', 'a', 'b', 'c', 'z-child', 'm1', 'm2', 'z-grandchild']);
  });
});

describe('stopOrder and dependents', () => {
  it('stops dependents first', () => {
    expect(stopOrder(planWaves(project))).toEqual([
      ['grafana', 'rag-server'],
      ['postgres', 'prometheus', 'qdrant', 'redis'],
    ]);
  });
  it('finds transitive dependents', () => {
    expect(dependentsOf(g({ a: [], b: ['a'], c: ['b'], d: [] }), 'a')).toEqual(['b', 'c']);
  });
});

describe('findCycles', () => {
  it.each([
    ['none', g({ a: [], b: ['a'] }), []],
    ['self', g({ a: ['a'] }), [['a']]],
    ['three, in dependency order', g({ api: ['worker'], worker: ['cache'], cache: ['api'] }), [['api', 'worker', 'cache']]],
    [
      'two separate',
      g({ a: ['b'], b: ['a'], x: ['y'], y: ['x'] }),
      [
        ['a', 'b'],
        ['x', 'y'],
      ],
    ],
  ])('%s', (_name, services, cycles) => expect(findCycles(services)).toEqual(cycles));
});

describe('criticalPath', () => {
  it('weights chains by time to ready', () => {
    const ready = { qdrant: 2000, redis: 300, postgres: 2500, prometheus: 900, grafana: 400, 'rag-server': 600 };
    expect(criticalPath(project, ready)).toEqual({ path: ['qdrant', 'rag-server'], ms: 2600 });
  });
});
