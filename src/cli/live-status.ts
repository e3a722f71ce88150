/**
 * The supervisor's live state (one container list on its side, its last probe results), for `status` and for
 * an `up` that joins a supervised stack: no engine client and no probe library is loaded on this side.
 * Taken only while the supervisor runs the same stack.yaml as this command loaded and watches every
 * service; otherwise undefined, and the caller probes by itself.
 */
import type { StackStatus } from '../engine/status.js';
import { callSupervisor } from '../session/control-client.js';
import type { Owner } from '../state/lock.js';
import { readToken } from '../state/token.js';
import type { StackContext } from './stack-context.js';

export async function liveStatus(ctx: StackContext, owner: Owner | undefined): Promise<StackStatus | undefined> {
  if (owner?.phase !== 'supervising' || !owner.controlPort) return undefined;
  const token = readToken(ctx.paths);
  if (!token) return undefined;
  const res = await callSupervisor(owner.controlPort, token, { method: 'GET', path: '/status', timeoutMs: 2_000 }).catch(() => undefined);
  const body = res?.status === 200 ? (res.body as { specDigest?: string; status?: StackStatus }) : undefined;
  if (!body?.status || body.specDigest !== ctx.spec.digest) return undefined;
  const names = new Set(body.status.services.map((s) => s.name));
  return Object.keys(ctx.spec.services).every((n) => names.has(n)) ? body.status : undefined;
}
