/** What the engine needs from Docker, as one narrow interface; tests pass a fake. */
import type { Endpoint } from '../probes/types.js';

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface PortBinding {
  containerPort: number;
  protocol: string;
  hostIp: string;
  hostPort: number;
}

export interface ContainerInfo {
  id: string;
  name: string;
  /** The compose service name. */
  service: string;
  state: ContainerState;
  exitCode: number;
  oomKilled: boolean;
  /** The container's own HEALTHCHECK status, when it has one. */
  health?: string;
  restartCount: number;
  startedAt?: string;
  ports: PortBinding[];
}

export interface Runtime {
  /** Throws EngineUnreachableError when the engine does not answer. */
  ping(): Promise<void>;
  /** Creates networks, volumes and containers for these compose services without starting them. */
  create(composeServices: readonly string[]): Promise<void>;
  inspect(composeService: string): Promise<ContainerInfo | undefined>;
  list(): Promise<ContainerInfo[]>;
  start(composeService: string): Promise<void>;
  stop(composeService: string, timeoutSeconds: number): Promise<void>;
  /** Removes the project's containers and networks; volumes only when asked. */
  down(options: { volumes: boolean }): Promise<void>;
  logs(composeService: string, tail: number): Promise<string[]>;
  exec(composeService: string, command: string[], signal: AbortSignal): Promise<{ exitCode: number; output: string }>;
  endpoint(composeService: string, containerPort: number): Promise<Endpoint>;
  /** Which compose CLI and engine are used, for reports and benchmarks. */
  describe(): Promise<{ compose: string; engine: string }>;
}
