import { describe, expect, it } from 'vitest';
import { classifyEvent, type EventMemory } from '../../src/healing/classify-event.js';
import type { RuntimeEvent } from '../../src/runtime/types.js';

const ev = (action: RuntimeEvent['action'], t: number, extra: Partial<RuntimeEvent> = {}): RuntimeEvent => ({
  service: 'db',
  containerId: 'c',
  action,
  timeNano: BigInt(t) * 1_000_000_000n,
  ...extra,
});

/** Feeds events in order and returns the faults they make. */
function faults(events: RuntimeEvent[], memory: EventMemory = { ownStartNano: 0n }) {
  const out = [];
  for (const e of events) {
    const r = classifyEvent(memory, e);
    memory = r.memory;
    if (r.fault) out.push(r.fault);
  }
  return out;
}

describe('classifyEvent', () => {
  it.each([
    ['a crash', [ev('die', 10, { exitCode: 1 })], [{ trigger: 'exit', reason: 'exited with code 1' }]],
    [
      'a SIGKILL',
      [ev('kill', 10, { signal: '9' }), ev('die', 10, { exitCode: 137 })],
      [{ trigger: 'exit', reason: 'exited with code 137 (killed with signal 9)' }],
    ],
    [
      'docker stop',
      [ev('kill', 10, { signal: '15' }), ev('die', 11, { exitCode: 0 })],
      [{ trigger: 'stopped', reason: 'stopped by hand (docker stop), exit code 0' }],
    ],
    ['an OOM kill', [ev('oom', 10), ev('die', 10, { exitCode: 137 })], [{ trigger: 'exit', reason: 'exited with code 137 (killed: out of memory)' }]],
    ['a kill long before the die', [ev('kill', 10, { signal: '15' }), ev('die', 100, { exitCode: 2 })], [{ trigger: 'exit', reason: 'exited with code 2' }]],
    ['a removed container', [ev('destroy', 10)], [{ trigger: 'exit', reason: 'its container was removed' }]],
    ['a start or a health change', [ev('start', 10), ev('health_status', 11), ev('other', 12)], []],
  ])('%s', (_name, events, expected) => expect(faults(events)).toEqual(expected));

  it('ignores the echo of its own stop (events older than its own last start)', () => {
    expect(faults([ev('kill', 10, { signal: '15' }), ev('die', 10, { exitCode: 0 })], { ownStartNano: 20n * 1_000_000_000n })).toEqual([]);
  });
});
