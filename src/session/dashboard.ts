/**
 * The dashboard's live feed, served by the supervisor: Server-Sent Events with the stack's view (its nodes,
 * recomputed at most every 200 ms while events arrive) and every event as it happens, and a service's logs
 * as they are written. No polling on the page's side; no secret value in anything sent (the view carries
 * no environment, the events are the journal's, which never holds one).
 */
import type http from 'node:http';
import { Writable } from 'node:stream';
import type { StackEvent } from '../core/events.js';
import type { EdgeView, ServiceView } from '../report/dashboard/view.js';

export interface DashboardState {
  stack: string;
  services: ServiceView[];
  edges: EdgeView[];
  /** When the view was taken (ISO). */
  at: string;
}

const RECENT = 300;
const THROTTLE_MS = 200;
const KEEPALIVE_MS = 15_000;
/**
 * The view is also looked at this often while a page is open, and sent when it changed: a state can change
 * after the last event about it (the supervisor marks a service healthy once its restart returned), and a
 * quiet stack sends no events for a while.
 */
const REFRESH_MS = 1_000;

function sseHeaders(res: http.ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 1000\n\n');
}

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export class DashboardHub {
  private readonly clients = new Set<http.ServerResponse>();
  private readonly recent: (StackEvent & { ts: string })[] = [];
  private pending?: NodeJS.Timeout;
  private readonly keepalive: NodeJS.Timeout;
  private readonly refresh: NodeJS.Timeout;
  /** The services' part of the last view sent, to send a view only when it changed. */
  private lastSent = '';

  constructor(private readonly view: () => Promise<DashboardState | undefined>) {
    this.keepalive = setInterval(() => this.broadcast(': keepalive\n\n'), KEEPALIVE_MS).unref();
    this.refresh = setInterval(() => this.clients.size > 0 && void this.sendView(), REFRESH_MS).unref();
  }

  /** Every event of the supervisor: kept (the last few hundred) and sent; the view follows shortly after. */
  onEvent(e: StackEvent): void {
    const stamped = { ...e, ts: new Date().toISOString() };
    this.recent.push(stamped);
    if (this.recent.length > RECENT) this.recent.shift();
    if (this.clients.size === 0) return;
    this.broadcast(frame('event', stamped));
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      void this.sendView();
    }, THROTTLE_MS);
  }

  /** A new page: the view now, the recent events, then everything live. */
  async attach(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    sseHeaders(res);
    const view = await this.view().catch(() => undefined);
    if (view) res.write(frame('view', view));
    for (const e of this.recent) res.write(frame('event', e));
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  }

  close(): void {
    clearInterval(this.keepalive);
    clearInterval(this.refresh);
    if (this.pending) clearTimeout(this.pending);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private async sendView(): Promise<void> {
    const view = await this.view().catch(() => undefined);
    if (!view) return;
    const key = JSON.stringify([view.services, view.edges]);
    if (key === this.lastSent) return;
    this.lastSent = key;
    this.broadcast(frame('view', view));
  }

  private broadcast(text: string): void {
    for (const res of this.clients) res.write(text);
  }
}

/**
 * A service's log, tail then follow, as `log` events (one line each) until the page goes away. The runtime
 * writes raw output; it is cut into lines here.
 */
export async function streamLogLines(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  follow: (out: NodeJS.WritableStream, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  sseHeaders(res);
  const abort = new AbortController();
  req.on('close', () => abort.abort());
  let partial = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) res.write(frame('log', line));
      done();
    },
  });
  try {
    await follow(out, abort.signal);
  } catch (err) {
    res.write(frame('log-error', err instanceof Error ? err.message : String(err)));
  }
  if (partial) res.write(frame('log', partial));
  res.end();
}
