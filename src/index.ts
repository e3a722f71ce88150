/**
 * @fmoua/stack — bring a Docker Compose stack up in dependency order, gated by typed health probes.
 * `up`, `down` and `status` are the same operations as the CLI's; see README "Programmatic API".
 */
export { up, down, status, type StackHandle, type StackOptions, type UpOptions } from './api.js';
export { loadStack, type LoadOptions, type LoadedStack } from './config/loader.js';
export type { StackSpec, ServiceSpec, ProbeSpec, DependencySpec, Condition, HealPolicy } from './config/types.js';
export { planWaves, selectServices, stopOrder, criticalPath } from './graph/plan.js';
export { renderGraph, type GraphFormat } from './graph/render.js';
export type { UpResult } from './engine/up.js';
export type { StackStatus, ServiceStatus } from './engine/status.js';
export type { StackEvent, SupervisorEvent, FailureReport, ServiceState, Strategy } from './core/events.js';
export { connectionEnv, type ConnectionVar } from './connect/connection-env.js';
export * from './core/errors.js';
