/**
 * The process around the CLI, passed in so tests run the CLI in-process and read what it printed: output,
 * environment, working directory, time, Ctrl-C, and the last-resort exit.
 */
import { systemClock, type Clock } from '../core/clock.js';

export interface CliIo {
  stdout: { write(text: string): void; isTTY?: boolean };
  stderr: { write(text: string): void };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  clock: Clock;
  /** Installs the Ctrl-C handler for a long command; returns the uninstaller. */
  onInterrupt(handler: () => void): () => void;
  /** Ends the process now (a second Ctrl-C). */
  exit(code: number): never;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    clock: systemClock,
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
    exit: (code) => process.exit(code),
  };
}
