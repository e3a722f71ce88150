#!/usr/bin/env node
import { runCli } from './program.js';
import { processIo } from './io.js';

const code = await runCli(process.argv.slice(2), processIo());
process.exitCode = code;
// The command is over: whatever it may have left open (a socket, a timer) must not keep the process alive.
setTimeout(() => process.exit(code), 1_000).unref();
