import { QdrantClient } from '@qdrant/js-client-rest';
import { describeNetworkError } from './network-error.js';
import { secret } from './secret.js';
import type { ProbeFn } from './types.js';

/** /readyz, then list collections through the official client: proves the API serves requests. */
export const qdrantProbe: ProbeFn<'qdrant'> = async (probe, ctx) => {
  const { host, port } = await ctx.endpoint(probe.port, probe.host);
  const client = new QdrantClient({
    url: `http://${host}:${port}`,
    apiKey: secret(ctx, probe.api_key_env),
    timeout: ctx.timeoutMs,
    checkCompatibility: false,
  });
  try {
    await client.api().readyz({});
    const { collections } = await client.getCollections();
    return `ready, ${collections.length} collection${collections.length === 1 ? '' : 's'}`;
  } catch (err) {
    const status = (err as { status?: number }).status;
    throw new Error(`qdrant at ${host}:${port}: ${status ? `answered ${status}` : describeNetworkError(err)}`, { cause: err });
  }
};
