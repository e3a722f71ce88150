import type { StackEvent } from '../core/events.js';

/** Subscribes to engine events; `close` flushes whatever it still shows (e.g. a live view). */
export interface Renderer {
  onEvent(event: StackEvent): void;
  close(): Promise<void>;
}

export interface Output {
  write(text: string): void;
}
