/** The programmatic API: the same engine the CLI uses. */
export { loadStack, type LoadOptions, type LoadedStack } from './config/loader.js';
export type { StackSpec, ServiceSpec, ProbeSpec, DependencySpec, Condition } from './config/types.js';
export { planWaves, selectServices, stopOrder, criticalPath } from './graph/plan.js';
export { up, type UpOptions, type UpResult } from './engine/up.js';
export { down, type DownOptions } from './engine/down.js';
export { status, type StackStatus, type ServiceStatus } from './engine/status.js';
export type { StackEvent, FailureReport, ServiceState, Strategy } from './engine/events.js';
export { systemClock, type Clock } from './engine/clock.js';
export { DockerRuntime } from './runtime/docker-runtime.js';
export type { Runtime, ContainerInfo } from './runtime/types.js';
export * from './errors.js';
