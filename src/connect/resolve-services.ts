/** The running services of a stack with their published TCP ports, for connection settings. */
import type { StackSpec } from '../config/types.js';
import { hostFor } from '../runtime/host.js';
import type { Runtime } from '../runtime/types.js';
import type { ResolvedService } from './connection-env.js';

export async function resolveServices(
  spec: StackSpec,
  runtime: Pick<Runtime, 'inspect'>,
  names: readonly string[],
): Promise<{ resolved: ResolvedService[]; missing: string[] }> {
  const resolved: ResolvedService[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const info = await runtime.inspect(spec.services[name]!.composeService);
    if (info?.state !== 'running') {
      missing.push(name);
      continue;
    }
    const tcp = info.ports.filter((p) => p.protocol === 'tcp');
    resolved.push({ spec: spec.services[name]!, host: hostFor(tcp[0]?.hostIp ?? ''), ports: new Map(tcp.map((p) => [p.containerPort, p.hostPort])) });
  }
  return { resolved, missing };
}
