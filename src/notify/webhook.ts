/**
 * POSTs breaker-open and recovery events to a webhook as JSON. Fire and forget: retried with backoff
 * (p-retry) in the background, never awaited by healing. The body holds no secrets and no environment,
 * and the URL itself (which may carry a token) is never written to the journal.
 */
import pRetry from 'p-retry';
import type { Clock } from '../core/clock.js';
import type { Emit } from '../core/events.js';
import type { HealNotification } from './notification.js';
import { describeNetworkError } from '../probes/network-error.js';

/** The error without the webhook's URL or address, which may carry a token. */
function scrub(err: unknown, url: string): string {
  const { host, hostname } = new URL(url);
  return describeNetworkError(err).split(url).join('<webhook>').split(host).join('<webhook>').split(hostname).join('<webhook>');
}

export interface WebhookOptions {
  url: string;
  stack: string;
  emit: Emit;
  clock: Pick<Clock, 'now'>;
  retries?: number;
  minTimeoutMs?: number;
}

/** Returns the notifier; each call returns the delivery's promise (healing never awaits it; tests may). */
export function webhookNotifier(o: WebhookOptions): (n: HealNotification) => Promise<void> {
  return (n) => {
    const body = JSON.stringify({ stack: o.stack, ...n });
    return pRetry(
      async () => {
        const { request } = await import('undici'); // loaded by the first notification, not by every supervisor
        const res = await request(o.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'stack-supervisor' },
          body,
          headersTimeout: 5_000,
          bodyTimeout: 5_000,
        });
        await res.body.dump();
        if (res.statusCode >= 300) throw new Error(`the webhook answered ${res.statusCode}`);
      },
      { retries: o.retries ?? 5, minTimeout: o.minTimeoutMs ?? 500, factor: 2 },
    ).catch((err: unknown) => o.emit({ type: 'notify-failed', at: o.clock.now(), event: n.event, service: n.service, error: scrub(err, o.url) }));
  };
}
