import { describe, expect, it } from 'vitest';
import { idealScheduleMs } from '../../bench/schedule-model.js';

describe('the ideal schedule the benchmark compares stack up with', () => {
  const s = (name: string, readyDelayMs: number, dependsOn: string[] = []) => ({ name, readyDelayMs, dependsOn });

  it('is the critical path when the engine is free, and the engine floor plus the last readiness when it is the bottleneck', () => {
    expect(idealScheduleMs([s('a', 300), s('b', 200, ['a'])], 10)).toBe(10 + 300 + 10 + 200);
    expect(idealScheduleMs([s('a', 50), s('b', 50), s('c', 50)], 100)).toBe(3 * 100 + 50);
  });

  it('starts the service with the longest chain below it first, and fills engine idle time with others', () => {
    // x → y → z is long; q is short. x first, then q while x becomes ready, then y, then z.
    const services = [s('q', 100), s('x', 300), s('y', 300, ['x']), s('z', 300, ['y'])];
    expect(idealScheduleMs(services, 100)).toBe(100 + 300 + 100 + 300 + 100 + 300);
    // Starting q first would have delayed the whole chain by one start.
    expect(idealScheduleMs(services, 100)).toBeLessThan(200 + 300 + 100 + 300 + 100 + 300);
  });
});
