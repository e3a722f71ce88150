/**
 * Connection settings of running services (REDIS_URL, DATABASE_URL, QDRANT_URL…), from each service's probe
 * type or its `exports` templates, with the host ports resolved from the running containers. Secrets
 * (passwords, API keys) are left out unless asked for. Pure: endpoints and the environment come in.
 */
import { parseTemplate } from '../config/exports-template.js';
import type { ServiceSpec } from '../config/types.js';

export interface ResolvedService {
  spec: ServiceSpec;
  host: string;
  /** container port → published host port */
  ports: ReadonlyMap<number, number>;
}

export interface ConnectionVar {
  name: string;
  value: string;
  service: string;
  /** The value holds a secret (only when secrets were asked for). */
  secret: boolean;
}

const DEFAULT_NAME: Partial<Record<string, string>> = {
  redis: 'REDIS_URL',
  postgres: 'DATABASE_URL',
  qdrant: 'QDRANT_URL',
  prometheus: 'PROMETHEUS_URL',
  grafana: 'GRAFANA_URL',
};

export const envPrefix = (service: string) => service.toUpperCase().replace(/[^A-Z0-9]/g, '_');

export function connectionEnv(services: readonly ResolvedService[], env: Readonly<Record<string, string>>, showSecrets: boolean): ConnectionVar[] {
  const vars: ConnectionVar[] = [];
  const typeCount = new Map<string, number>();
  for (const s of services) if (s.spec.probe) typeCount.set(s.spec.probe.type, (typeCount.get(s.spec.probe.type) ?? 0) + 1);
  const secret = (name: string | undefined) => (name && showSecrets ? env[name] : undefined);

  for (const s of services) {
    const name = s.spec.name;
    const prefix = envPrefix(name);
    const probe = s.spec.probe;
    const probePort = probe && 'port' in probe ? probe.port : undefined;
    const hostPort = (p: number) => {
      const published = s.ports.get(p);
      if (published === undefined) throw new Error(`container port ${p} of ${name} is not published`);
      return published;
    };
    const add = (n: string, value: string, isSecret = false) => vars.push({ name: n, value, service: name, secret: isSecret });

    if (Object.keys(s.spec.exports).length > 0) {
      for (const [n, template] of Object.entries(s.spec.exports)) add(n, expand(template, s.host, probePort, hostPort, name));
      continue;
    }
    if (probePort === undefined || !probe) continue;
    const port = hostPort(probePort);
    add(`${prefix}_HOST`, s.host);
    add(`${prefix}_PORT`, String(port));
    const shared = (typeCount.get(probe.type) ?? 0) > 1;
    const urlName = DEFAULT_NAME[probe.type] ? (shared ? `${prefix}_${DEFAULT_NAME[probe.type]}` : DEFAULT_NAME[probe.type]!) : `${prefix}_URL`;
    const at = `${s.host}:${port}`;
    switch (probe.type) {
      case 'redis': {
        const password = secret(probe.password_env);
        const user = probe.username_env ? (env[probe.username_env] ?? '') : '';
        const auth = password ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}@` : '';
        add(urlName, `redis://${auth}${at}${probe.db ? `/${probe.db}` : ''}`, !!password);
        break;
      }
      case 'postgres': {
        const user = probe.user_env ? (env[probe.user_env] ?? 'postgres') : (probe.user ?? 'postgres');
        const database = probe.database_env ? (env[probe.database_env] ?? user) : (probe.database ?? user);
        const password = secret(probe.password_env);
        add(
          urlName,
          `postgres://${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@${at}/${encodeURIComponent(database)}`,
          !!password,
        );
        break;
      }
      case 'qdrant': {
        add(urlName, `http://${at}`);
        const key = secret(probe.api_key_env);
        if (key) add(`${shared ? `${prefix}_` : ''}QDRANT_API_KEY`, key, true);
        break;
      }
      case 'prometheus':
      case 'grafana':
        add(urlName, `http://${at}`);
        break;
      case 'http':
        add(urlName, `${probe.scheme ?? 'http'}://${at}`);
        break;
      case 'tcp':
        add(`${prefix}_ADDR`, at);
        break;
    }
  }
  return vars;
}

function expand(template: string, host: string, probePort: number | undefined, hostPort: (p: number) => number, service: string): string {
  const parsed = parseTemplate(template);
  if ('error' in parsed) throw new Error(`${service}: ${parsed.error} in exports`); // validate rejects these
  return parsed.parts
    .map((p) => {
      if ('text' in p) return p.text;
      if ('host' in p) return host;
      const port = p.port === 'probe' ? probePort : p.port;
      if (port === undefined) throw new Error(`${service}: \${port} needs a probe port or \${port:N}`);
      return String(hostPort(port));
    })
    .join('');
}

export type EnvFormat = 'dotenv' | 'json' | 'github';

export function formatEnv(vars: readonly ConnectionVar[], format: Exclude<EnvFormat, 'github'>): string {
  if (format === 'json') return `${JSON.stringify(Object.fromEntries(vars.map((v) => [v.name, v.value])), null, 2)}\n`;
  return vars.map((v) => `${v.name}=${/^[\w@%+=:,./-]*$/.test(v.value) ? v.value : JSON.stringify(v.value)}`).join('\n') + (vars.length ? '\n' : '');
}
