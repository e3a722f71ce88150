/** The `stack` command line. Commands load, call the engine, and hand events to a renderer; errors go to one handler. */
import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import type { EnvFormat } from '../connect/connection-env.js';
import type { Strategy } from '../core/events.js';
import { ConfigError, GateFailedError, PreflightError, StackError, StartFailedError, DependencyFailedError } from '../core/errors.js';
import { planWaves, selectServices, stopOrder } from '../graph/plan.js';
import { graphJson, renderGraph, type GraphFormat } from '../graph/render.js';
import { planText } from '../report/plan-text.js';
import { formatMachineProblem, formatProblem } from '../report/problems.js';
import type { UpFlags } from './commands/up.js';
import type { DiffFlags } from './commands/diff.js';
import type { DashboardFlags } from './commands/dashboard.js';
import type { ExportFlags } from './commands/export.js';
import { load, profileOf, type GlobalOptions } from './context.js';
import { unknownServices, wholeNumber, withProfile } from './flags.js';
import { EXIT, errorJson, exitCodeFor } from './exit-codes.js';
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
    .option('--target <target>', 'where the containers run: compose (this engine) or swarm (also STACK_TARGET, stack.yaml target:)')
    .option('--profile <name>', 'work on a named service set from stack.yaml `profiles:` (also STACK_PROFILE)')
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
        io.stdout.write(
          `${JSON.stringify({ ok: true, file: spec.file, services: Object.keys(spec.services).length, waves: waves.length, problems: [], warnings })}\n`,
        );
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
      const { selected, unknown } = selectServices(spec.services, withProfile(spec, services, profileOf(opts, spec)));
      if (unknown.length) throw unknownServices(unknown, Object.keys(spec.services));
      const waves = planWaves(spec.services, selected);
      const dependencies = Object.fromEntries(selected.map((n) => [n, spec.services[n]!.dependsOn]));
      if (opts.json) {
        io.stdout.write(
          `${JSON.stringify({ name: spec.name, file: spec.file, strategy: o.strategy, services: selected, waves, stopOrder: stopOrder(waves), dependencies })}\n`,
        );
        return;
      }
      io.stdout.write(planText(spec.name, relative(io.cwd, spec.file) || spec.file, o.strategy, waves, dependencies));
    });

  program
    .command('graph [services...]')
    .description('print the dependency graph (touches no Docker)')
    .addOption(new Option('--format <format>', 'output format').choices(['mermaid', 'dot', 'text']).default('text'))
    .action((services: string[], o: { format: GraphFormat }, cmd: Command) => {
      const { spec } = load(globals(cmd), io);
      const { selected, unknown } = selectServices(spec.services, withProfile(spec, services, profileOf(globals(cmd), spec)));
      if (unknown.length) throw unknownServices(unknown, Object.keys(spec.services));
      io.stdout.write(globals(cmd).json ? `${JSON.stringify(graphJson(spec.services, selected))}\n` : renderGraph(spec.services, o.format, selected));
    });

  program
    .command('env [services...]')
    .description('connection settings of the running services with their resolved host ports (REDIS_URL, DATABASE_URL, …)')
    .addOption(
      new Option('--format <format>', 'dotenv, json, or github (appends to $GITHUB_ENV, masking secrets)')
        .choices(['dotenv', 'json', 'github'])
        .default('dotenv'),
    )
    .option('--show-secrets', 'include passwords and API keys (left out otherwise)')
    .action(async (services: string[], o: { format: EnvFormat; showSecrets?: boolean }, cmd: Command) =>
      (await import('./commands/env.js')).envCommand(services, o, globals(cmd), io),
    );

  program
    .command('up [services...]')
    .description('start the services (and their dependencies) and return when all are healthy')
    .addOption(
      new Option('--strategy <strategy>', 'eager: each service as soon as its own dependencies are ready; waves: wave by wave')
        .choices(['eager', 'waves'])
        .default('eager'),
    )
    .option('--watch', 'then supervise in the foreground: heal crashed or unhealthy services until Ctrl-C')
    .option('--detach', 'then supervise in the background; returns once the stack is healthy (`stack down` stops it)')
    .option('--wait-timeout <duration>', 'fail unless everything is healthy this long after up began (seconds or 90s, 2m)')
    .option('--rerun-jobs', 'run jobs (kind: job) again, even those that completed with their current definition')
    .option('--keep-orphans', 'leave containers and processes of services no longer defined as they are (default: stop and remove them)')
    .option('--dry-run', 'print what up would do, in order, and change nothing (as `stack diff`; exit 8 when something would change)')
    .action(async (services: string[], o: UpFlags, cmd: Command) =>
      o.dryRun
        ? setExit(await (await import('./commands/diff.js')).diffCommand(services, o, globals(cmd), io))
        : (await import('./commands/up.js')).upCommand(services, o, globals(cmd), io),
    );

  program
    .command('doctor [services...]')
    .description('the pre-flight checks up runs (host ports and who holds them, disk, memory, images), starting nothing; exit 2 when up would refuse')
    .action(async (services: string[], _o: unknown, cmd: Command) =>
      setExit(await (await import('./commands/doctor.js')).doctorCommand(services, globals(cmd), io)),
    );

  program
    .command('diff [services...]')
    .description('what `stack up` would create, recreate (and why), start, run and remove, in order; changes nothing (exit 8 when something would change)')
    .option('--rerun-jobs', 'as up --rerun-jobs')
    .option('--keep-orphans', 'as up --keep-orphans')
    .action(async (services: string[], o: DiffFlags, cmd: Command) =>
      setExit(await (await import('./commands/diff.js')).diffCommand(services, o, globals(cmd), io)),
    );

  program
    .command('export <format>')
    .description('the stack for another engine: `kubernetes` writes Deployments/StatefulSets, Services, probes and dependency waits (no cluster needed)')
    .option('-o, --output <dir>', 'write one file per service and a kustomization.yaml there (default: all to stdout)')
    .option('--wait-image <image>', 'image of the init containers that wait for dependencies (needs nc)', 'busybox:1.36')
    .option('--volume-size <size>', 'storage requested by each volume claim', '1Gi')
    .action(async (format: string, o: ExportFlags, cmd: Command) =>
      setExit(await (await import('./commands/export.js')).exportCommand(format, o, globals(cmd), io)),
    );

  program
    .command('autostart')
    .description('for editor hooks: `up --detach` unless STACK_AUTOSTART=0; joins a run already in progress')
    .action(async (_o, cmd: Command) => (await import('./commands/ide.js')).autostartCommand(globals(cmd), io));

  program
    .command('init')
    .description('set up an entry point for this stack')
    .command('vscode')
    .description('write or merge .vscode/tasks.json: a folder-open task that runs `stack autostart`, plus Stack: Up/Down/Restart/Status')
    .option('--dir <workspace>', 'the workspace folder', '.')
    .option('--command <command>', 'how the tasks call stack', 'npx --no-install stack')
    .action(async (o: { dir?: string; command: string }, cmd: Command) => (await import('./commands/ide.js')).initVscodeCommand(o, globals(cmd), io));

  program
    .command('supervise [services...]', { hidden: true })
    .description('internal: the background supervisor behind `up --detach`')
    .addOption(new Option('--strategy <strategy>').choices(['eager', 'waves']).default('eager'))
    .option('--wait-timeout <duration>')
    .option('--rerun-jobs')
    .option('--supervisor-of <state-dir>', "marks the process as that stack's supervisor, for `stack down`")
    .action(async (services: string[], o: { strategy: Strategy; waitTimeout?: string; rerunJobs?: boolean }, cmd: Command) =>
      setExit(await (await import('./commands/supervise.js')).superviseChild(services, o, globals(cmd), io)),
    );

  program
    .command('down')
    .description('stop the supervisor, then the services in reverse dependency order; remove containers and networks')
    .option('-v, --volumes', 'also remove the named volumes (data is lost)')
    .option('-t, --timeout <seconds>', 'seconds each container gets to stop (0–3600)', wholeNumber(0, 3600), 10)
    .action(async (o: { volumes?: boolean; timeout: number }, cmd: Command) => (await import('./commands/ops.js')).downCommand(o, globals(cmd), io));

  program
    .command('dashboard')
    .description(
      "the live dashboard's URL (graph, states, probes, logs, restart), served by the running supervisor; opened in the browser when there is a display",
    )
    .option('--no-open', 'print the URL only')
    .action(async (o: DashboardFlags, cmd: Command) => setExit(await (await import('./commands/dashboard.js')).dashboardCommand(o, globals(cmd), io)));

  program
    .command('restart <services...>')
    .description('restart services through their health gate (closes an open breaker); via the supervisor when one runs')
    .option('--with-dependents', 'then restart their dependents in dependency order')
    .action(async (services: string[], o: { withDependents?: boolean }, cmd: Command) =>
      (await import('./commands/ops.js')).restartCommand(services, o, globals(cmd), io),
    );

  program
    .command('status')
    .description("each service's container state, health (one probe now), restarts, ports, and what the supervisor did")
    .action(async (_o, cmd: Command) => {
      if (!(await (await import('./commands/ops.js')).statusCommand(globals(cmd), io))) setExit(EXIT.GATE_FAILED);
    });

  program
    .command('events [service]')
    .description('the journal: every state change, probe failure, restart, backoff and breaker transition')
    .option('--follow', 'keep printing new events until Ctrl-C')
    .action(async (service: string | undefined, o: { follow?: boolean }, cmd: Command) =>
      (await import('./commands/ops.js')).eventsCommand(service, o, globals(cmd), io),
    );

  program
    .command('logs <service>')
    .description("the service's container logs")
    .option('--follow', 'keep printing until Ctrl-C')
    .option('-n, --tail <lines>', 'lines from the end', wholeNumber(0, 1_000_000), 100)
    .action(async (service: string, o: { follow?: boolean; tail: number }, cmd: Command) =>
      (await import('./commands/ops.js')).logsCommand(service, o, globals(cmd), io),
    );

  return program;
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
      io.stderr.write(
        `${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}; fix ${err.problems.length === 1 ? 'it' : 'them'} and run \`stack validate\` again\n`,
      );
    }
    return EXIT.CONFIG_INVALID;
  }
  if (err instanceof PreflightError) {
    if (opts.json) {
      if (!printed) io.stdout.write(`${JSON.stringify({ ok: false, error: errorJson(err), problems: err.problems })}\n`);
    } else {
      for (const p of err.problems) io.stderr.write(`${formatMachineProblem('✖', p)}\n`);
      io.stderr.write(`${err.message}\n  ${err.hint}\n`);
    }
    return exitCodeFor(err.code);
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
  io.stderr.write(
    `✖ internal error: ${(err as Error)?.message ?? String(err)}\n  This is a bug in stack; please report it with the output of the same command run with --debug.\n`,
  );
  io.stderr.write(`${(err as Error)?.stack ?? ''}\n`); // a bug: the stack is what a report needs
  return EXIT.INTERNAL;
}
