#!/usr/bin/env node
import { runCli } from './program.js';
import { processIo } from './io.js';

// If the event loop ever empties while the command still waits (a bug), Node would end the process, and a
// library's exit hook (signal-exit) turns that into a silent exit 0: say so and fail instead.
let settled = false;
process.on('exit', () => {
  if (settled) return;
  process.stderr.write(
    '✖ internal error: stack ended before the command finished (nothing was left to wait on). This is a bug; please report it with --debug output.\n',
  );
  process.exitCode = 1;
});
// The reader went away (`stack export kubernetes | head`): stop quietly, as other command-line tools do.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    settled = true;
    process.exit(process.exitCode ?? 0);
  });
const code = await runCli(process.argv.slice(2), processIo());
settled = true;
process.exitCode = code;
// The command is over: whatever it may have left open (a socket, a timer) must not keep the process alive.
setTimeout(() => process.exit(code), 1_000).unref();
