/** The swarm runtime against a fake engine client: what it asks swarm for, and how it meets swarm's refusals. */
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { SwarmRuntime } from '../../src/runtime/swarm/swarm-runtime.js';

/** A swarm with one service at `version`, that refuses the first `refusals` updates as out of sequence (as right after a create). */
function fakeSwarm(refusals: number) {
  const state = { version: 1, replicas: 0, updates: [] as { version: number; replicas: number }[] };
  const service = () => ({
    ID: 'svc1',
    Version: { Index: state.version },
    Spec: { Name: 'shop_db', Labels: { 'dev.stack.replicas': '2' }, Mode: { Replicated: { Replicas: state.replicas } }, TaskTemplate: {} },
  });
  const docker = {
    listServices: async () => [service()],
    getService: () => ({
      update: async (opts: { _query: { version: number }; _body: { Mode: { Replicated: { Replicas: number } } } }) => {
        if (refusals > 0) {
          refusals--;
          state.version++; // swarm completed the service meanwhile: the version read is stale
          throw Object.assign(new Error('(HTTP code 500) server error'), { json: { message: 'rpc error: code = Unknown desc = update out of sequence' } });
        }
        if (opts._query.version !== state.version) throw new Error(`stale version ${opts._query.version}, now ${state.version}`);
        state.updates.push({ version: opts._query.version, replicas: opts._body.Mode.Replicated.Replicas });
        state.replicas = opts._body.Mode.Replicated.Replicas;
        state.version++;
      },
    }),
  };
  const runtime = new SwarmRuntime({
    namespace: 'shop',
    env: {},
    orderedAfter: () => new Set(),
    model: async () => ({ services: {} }),
    docker: docker as unknown as Docker,
  });
  return { runtime, state };
}

describe('SwarmRuntime.start', () => {
  it('scales the service to its replicas', async () => {
    const { runtime, state } = fakeSwarm(0);
    await runtime.start('db');
    expect(state.updates).toEqual([{ version: 1, replicas: 2 }]);
  });

  it('reads the service again and retries when swarm says the update is out of sequence', async () => {
    const { runtime, state } = fakeSwarm(2);
    await runtime.start('db');
    expect(state.updates).toEqual([{ version: 3, replicas: 2 }]);
  });

  it('gives up after repeated refusals, with swarm words', async () => {
    const { runtime } = fakeSwarm(50);
    await expect(runtime.start('db')).rejects.toThrow('swarm refused to update shop_db: rpc error: code = Unknown desc = update out of sequence');
  });
});
