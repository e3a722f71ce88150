/** What needs a person: a breaker opened, or a service whose breaker had opened is healthy again. */
export interface HealNotification {
  event: 'breaker-open' | 'recovered';
  service: string;
  reason: string;
  restartsInWindow: number;
  at: string;
}
