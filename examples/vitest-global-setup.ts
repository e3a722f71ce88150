/**
 * A vitest globalSetup that brings the stack up before the test run and down after it.
 * In vitest.config.ts:  test: { globalSetup: ['./vitest-global-setup.ts'] }
 * Tests then read the connection settings from process.env (REDIS_URL, DATABASE_URL, QDRANT_URL, RAG_URL…).
 */
import { up, type StackHandle } from '@fmoua/stack';

let stack: StackHandle | undefined;

export async function setup(): Promise<void> {
  stack = await up({
    profile: process.env['STACK_PROFILE'] ?? 'ci',
    waitTimeoutMs: 120_000,
    onEvent: (e) => {
      if (e.type === 'failure') console.error(`stack: ${e.report.service} failed: ${e.report.reason}`);
    },
  });
  Object.assign(process.env, stack.env);
}

export async function teardown(): Promise<void> {
  // Keep the stack for the next run on a developer's machine; remove it in CI.
  if (process.env['CI']) await stack?.down({ volumes: true });
}
