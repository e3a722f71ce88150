/**
 * Prometheus metrics of a supervised stack (prom-client), built only from engine and supervisor events,
 * like every other output. Served by the supervisor on its metrics address; the Grafana dashboard in
 * compose/grafana/dashboards/stack.json is drawn from exactly these series.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StackEvent } from '../core/events.js';

export const HEAL_STATES = ['healthy', 'degraded', 'unhealthy', 'restarting', 'failed', 'stopped'] as const;
type HealState = (typeof HEAL_STATES)[number];

export class StackMetrics {
  readonly registry = new Registry();
  private readonly up: Gauge;
  private readonly state: Gauge;
  private readonly restarts: Counter;
  private readonly probe: Histogram;
  private readonly ready: Gauge;
  private readonly breaker: Gauge;
  private readonly engine: Gauge;

  constructor(stack: string, services: readonly string[]) {
    this.registry.setDefaultLabels({ stack });
    const registers = [this.registry];
    this.up = new Gauge({
      name: 'stack_service_up',
      help: '1 while the service is running and serving (healthy or degraded)',
      labelNames: ['service'],
      registers,
    });
    this.state = new Gauge({ name: 'stack_service_state', help: "1 for the service's current supervisor state", labelNames: ['service', 'state'], registers });
    this.restarts = new Counter({
      name: 'stack_service_restarts_total',
      help: 'Restarts by the supervisor or stack restart',
      labelNames: ['service', 'why'],
      registers,
    });
    this.probe = new Histogram({
      name: 'stack_probe_duration_seconds',
      help: 'Latency of health and liveness probes',
      labelNames: ['service', 'result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.ready = new Gauge({
      name: 'stack_service_time_to_ready_seconds',
      help: 'From the last start of the service to healthy',
      labelNames: ['service'],
      registers,
    });
    this.breaker = new Gauge({
      name: 'stack_service_breaker_open',
      help: '1 while the restart breaker of the service is open',
      labelNames: ['service'],
      registers,
    });
    this.engine = new Gauge({ name: 'stack_engine_connected', help: '1 while the supervisor hears the Docker engine', registers });
    this.engine.set(1);
    for (const s of services) {
      this.setState(s, 'healthy');
      this.breaker.set({ service: s }, 0);
      for (const why of ['heal', 'manual', 'dependency']) this.restarts.inc({ service: s, why }, 0);
    }
  }

  /** Times to ready measured by the `up` that preceded supervision. */
  seedReady(outcome: Readonly<Record<string, { readyMs?: number }>>): void {
    for (const [service, o] of Object.entries(outcome)) if (o.readyMs !== undefined) this.ready.set({ service }, o.readyMs / 1000);
  }

  private setState(service: string, state: HealState) {
    for (const s of HEAL_STATES) this.state.set({ service, state: s }, s === state ? 1 : 0);
    this.up.set({ service }, state === 'healthy' || state === 'degraded' ? 1 : 0);
  }

  onEvent(e: StackEvent): void {
    switch (e.type) {
      case 'probe':
      case 'liveness':
        this.probe.observe({ service: e.service, result: e.result.ok ? 'ok' : 'fail' }, e.result.latencyMs / 1000);
        break;
      case 'service':
        if (e.state === 'healthy') {
          this.setState(e.service, 'healthy');
          if (e.sinceStartMs !== undefined) this.ready.set({ service: e.service }, e.sinceStartMs / 1000);
        }
        break;
      case 'detected':
        this.setState(e.service, e.healed ? 'unhealthy' : 'stopped');
        break;
      case 'restart':
        this.restarts.inc({ service: e.service, why: e.why });
        this.setState(e.service, 'restarting');
        break;
      case 'restart-failed':
        this.setState(e.service, 'unhealthy');
        break;
      case 'breaker':
        this.breaker.set({ service: e.service }, e.open ? 1 : 0);
        if (e.open) this.setState(e.service, 'failed');
        break;
      case 'degraded':
        this.setState(e.service, e.degraded ? 'degraded' : 'healthy');
        break;
      case 'engine':
        this.engine.set(e.connected ? 1 : 0);
        break;
    }
  }
}
