/** The `stack` command line. Commands load, call the engine, and hand events to a renderer; errors go to one handler. */
import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { formatDuration } from '../config/duration.js';
import { formatProblem } from '../config/problems.js';
import { down } from '../engine/down.js';
import type { Strategy } from '../engine/events.js';
import { status, type StackStatus } from '../engine/status.js';
import { up } from '../engine/up.js';
import { ConfigError, GateFailedError, StackError, StartFailedError, DependencyFailedError } from '../errors.js';
import { planWaves, selectServices, stopOrder } from '../graph/plan.js';
import { JsonRenderer } from '../report/json-renderer.js';
import { clock, load, rendererFor, runtimeFor, type GlobalOptions } from './context.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import type { CliIo } from './io.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.OK;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    return handleError(err, program.opts<GlobalOptions>(), io);
  }
}

function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('stack')
    .description('Bring a local Docker Compose stack up in dependency order, gated by typed health probes.')
    .version(version)
    .option('-f, --file <path>', 'the stack file', 'stack.yaml')
    .option('--json', 'print one JSON document on stdout')
    .option('--compose-file <path...>', 'extra compose files after those in the stack file (also STACK_COMPOSE_FILES)')
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const globals = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();

  program
    .command('validate')
    .description('check the stack file and compose files without touching Docker (exit 2 when invalid)')
    .action((_opts, cmd: Command) => {
      const opts = globals(cmd);
      const { spec, warnings } = load(opts, io);
      const waves = planWaves(spec.services);
      if (opts.json) {
        io.stdout.write(`${JSON.stringify({ ok: true, file: spec.file, services: Object.keys(spec.services).length, waves: waves.length, problems: [], warnings })}\n`);
        return;
      }
      for (const w of warnings) io.stderr.write(`warning: ${formatProblem(w)}\n`);
      io.stdout.write(`✔ ${relative(io.cwd, spec.file) || spec.file} is valid: ${Object.keys(spec.services).length} services in ${waves.length} waves\n`);
    });

  program
    .command('plan [services...]')
    .description('print the start waves and stop order (touches no Docker)')
    .addOption(new Option('--strategy <strategy>', 'how up schedules').choices(['eager', 'waves']).default('eager'))
    .action((services: string[], o: { strategy: Strategy }, cmd: Command) => {
      const opts = globals(cmd);
      const { spec } = load(opts, io);
      const { selected, unknown } = selectServices(spec.services, services);
      if (unknown.length) throw unknownServices(unknown, Object.keys(spec.services));
      const waves = planWaves(spec.services, selected);
      const dependencies = Object.fromEntries(selected.map((n) => [n, spec.services[n]!.dependsOn]));
      if (opts.json) {
        io.stdout.write(`${JSON.stringify({ name: spec.name, file: spec.file, strategy: o.strategy, services: selected, waves, stopOrder: stopOrder(waves), dependencies })}\n`);
        return;
      }
      io.stdout.write(`plan for ${spec.name} (${relative(io.cwd, spec.file) || spec.file}), strategy ${o.strategy}:\n`);
      waves.forEach((w, i) => io.stdout.write(`  wave ${i}: ${w.map((n) => label(n, dependencies[n]!)).join(', ')}\n`));
      io.stdout.write(`stop order (down): ${stopOrder(waves).map((w) => w.join(', ')).join(' → ')}\n`);
    });

  program
    .command('up [services...]')
    .description('start the services (and their dependencies) and return when all are healthy')
    .addOption(new Option('--strategy <strategy>', 'eager: each service as soon as its own dependencies are ready; waves: wave by wave').choices(['eager', 'waves']).default('eager'))
    .action(async (services: string[], o: { strategy: Strategy }, cmd: Command) => {
      const opts = globals(cmd);
      const loaded = load(opts, io);
      // A missing secret would only show up as a probe failing until its deadline: refuse now instead.
      const missingSecrets = loaded.warnings.filter((w) => w.path.endsWith('_env'));
      if (missingSecrets.length) throw new ConfigError(missingSecrets);
      const renderer = rendererFor(opts, io);
      const controller = new AbortController();
      let interrupts = 0;
      const uninstall = io.onInterrupt(() => {
        if (++interrupts > 1) {
          io.stderr.write('\nforced exit: containers are left as they are; run `stack status` to see them\n');
          process.exit(EXIT.INTERRUPTED);
        }
        io.stderr.write('\ninterrupted: stopping probes (Ctrl-C again to force)…\n');
        controller.abort(new Error('interrupted'));
      });
      try {
        await up({ spec: loaded.spec, runtime: runtimeFor(loaded, io), clock, emit: (e) => renderer.onEvent(e) }, { services, strategy: o.strategy, signal: controller.signal });
        await renderer.close();
        if (renderer instanceof JsonRenderer) io.stdout.write(`${JSON.stringify(renderer.doc)}\n`);
      } catch (err) {
        await renderer.close();
        if (renderer instanceof JsonRenderer) {
          io.stdout.write(`${JSON.stringify({ ...renderer.doc, error: errorJson(err) })}\n`);
          (err as { printed?: boolean }).printed = true;
        }
        throw err;
      } finally {
        uninstall();
      }
    });

  program
    .command('down')
    .description('stop services in reverse dependency order and remove containers and networks')
    .option('--volumes', 'also remove the named volumes (data is lost)')
    .option('-t, --timeout <seconds>', 'seconds each container gets to stop', '10')
    .action(async (o: { volumes?: boolean; timeout: string }, cmd: Command) => {
      const opts = globals(cmd);
      const loaded = load(opts, io);
      const renderer = rendererFor(opts, io);
      const result = await down({ spec: loaded.spec, runtime: runtimeFor(loaded, io), clock, emit: (e) => renderer.onEvent(e) }, { volumes: o.volumes ?? false, timeoutSeconds: Number(o.timeout) });
      await renderer.close();
      if (opts.json) io.stdout.write(`${JSON.stringify({ ok: true, durationMs: result.durationMs, stopOrder: result.order, volumesRemoved: o.volumes ?? false })}\n`);
      else io.stdout.write(`✔ ${loaded.spec.name} is down in ${formatDuration(result.durationMs)}\n`);
    });

  program
    .command('status')
    .description("show each service's container state, health (one probe now), restarts and ports")
    .action(async (_o, cmd: Command) => {
      const opts = globals(cmd);
      const loaded = load(opts, io);
      const result = await status({ spec: loaded.spec, runtime: runtimeFor(loaded, io), clock });
      if (opts.json) io.stdout.write(`${JSON.stringify({ services: result.services })}\n`);
      else io.stdout.write(statusTable(result));
      if (result.services.some((s) => s.health === 'unhealthy' || s.state === 'absent')) setExit(EXIT.GATE_FAILED);
    });

  return program;
}

function label(name: string, deps: { service: string; condition: string }[]): string {
  return deps.length ? `${name} (after ${deps.map((d) => `${d.service}${d.condition === 'healthy' ? '' : ` ${d.condition}`}`).join(', ')})` : name;
}

function unknownServices(unknown: string[], known: string[]): StackError {
  return new StackError('USAGE', `unknown service${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, `Known services: ${known.join(', ')}`);
}

export function statusTable(s: StackStatus): string {
  const rows = [
    ['SERVICE', 'STATE', 'HEALTH', 'RESTARTS', 'PORTS', 'LAST PROBE'],
    ...s.services.map((x) => [
      x.name,
      x.state,
      x.health,
      String(x.restarts),
      x.ports.map((p) => `${p.hostIp || '0.0.0.0'}:${p.host}->${p.container}`).join(' ') || '-',
      x.lastProbe ? (x.lastProbe.ok ? `ok ${x.lastProbe.latencyMs}ms` : `fail: ${x.lastProbe.error}`) : '-',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function errorJson(err: unknown) {
  if (err instanceof StackError) return { code: err.code, exitCode: exitCodeFor(err.code), message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  return { code: 'INTERNAL', exitCode: EXIT.INTERNAL, message: String((err as Error)?.message ?? err) };
}

function handleError(err: unknown, opts: GlobalOptions, io: CliIo): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
    return EXIT.USAGE; // commander already printed the message and the help
  }
  const printed = (err as { printed?: boolean }).printed === true;
  if (err instanceof ConfigError) {
    if (opts.json) {
      if (!printed) io.stdout.write(`${JSON.stringify({ ok: false, error: errorJson(err), problems: err.problems, warnings: err.warnings })}\n`);
    } else {
      for (const p of err.problems) io.stderr.write(`✖ ${formatProblem(p)}\n`);
      io.stderr.write(`${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}; fix ${err.problems.length === 1 ? 'it' : 'them'} and run \`stack validate\` again\n`);
    }
    return EXIT.CONFIG_INVALID;
  }
  if (err instanceof StackError) {
    if (opts.json && !printed) io.stdout.write(`${JSON.stringify({ ok: false, error: errorJson(err) })}\n`);
    if (!opts.json) {
      // Failure reports were already rendered from events; start errors outside `up` have none.
      const reports = err instanceof GateFailedError || err instanceof DependencyFailedError || err instanceof StartFailedError ? err.reports : [];
      io.stderr.write(`✖ ${err.message}\n`);
      if (err.hint && reports.length === 0) io.stderr.write(`  ${err.hint}\n`);
      if (opts.debug) io.stderr.write(`${err.stack}\n${err.cause ? `cause: ${(err.cause as Error)?.stack ?? String(err.cause)}\n` : ''}`);
    }
    return exitCodeFor(err.code);
  }
  io.stderr.write(`✖ internal error: ${(err as Error)?.message ?? String(err)}\n  This is a bug in stack; please report it with the output of the same command run with --debug.\n`);
  io.stderr.write(`${(err as Error)?.stack ?? ''}\n`); // a bug: the stack is what a report needs
  return EXIT.INTERNAL;
}
