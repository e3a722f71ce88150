/**
 * The engine's event stream for the supervisor, kept open across engine restarts: when the stream ends, it
 * says so, waits for the engine with a growing pause (up to 5 s), reconnects and says that too.
 */
import type { Clock } from '../core/clock.js';
import type { Runtime, RuntimeEvent } from '../runtime/types.js';

export interface EngineWatchHandlers {
  event(e: RuntimeEvent): void;
  disconnected(): void;
  /** Awaited before listening again: the place to look for what happened while nobody listened. */
  reconnected(): Promise<void>;
}

export async function watchEngine(runtime: Pick<Runtime, 'events' | 'ping'>, clock: Clock, signal: AbortSignal, on: EngineWatchHandlers): Promise<void> {
  while (!signal.aborted) {
    try {
      for await (const event of runtime.events(signal)) on.event(event);
    } catch {
      // the stream broke: the engine went away
    }
    if (signal.aborted) return;
    on.disconnected();
    let delay = 250;
    for (;;) {
      try {
        await runtime.ping();
        break;
      } catch {
        try {
          await clock.sleep(delay, signal);
        } catch {
          return;
        }
        delay = Math.min(delay * 2, 5_000);
      }
    }
    await on.reconnected();
  }
}
