/** `stack doctor`: the pre-flight checks `up` runs, for the whole stack (or the services named), starting nothing. */
import { selectServices } from '../../graph/plan.js';
import { systemHost } from '../../preflight/host.js';
import { preflight } from '../../preflight/preflight.js';
import { formatMachineProblem } from '../../report/problems.js';
import { profileOf, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { unknownServices, withProfile } from '../flags.js';
import type { CliIo } from '../io.js';
import { stackContext } from '../stack-context.js';

/** Returns the exit code: 2 when `up` would refuse, else 0 (warnings included). */
export async function doctorCommand(named: string[], opts: GlobalOptions, io: CliIo): Promise<number> {
  const ctx = stackContext(opts, io);
  const { selected, unknown } = selectServices(ctx.spec.services, withProfile(ctx.spec, named, profileOf(opts, ctx.spec)));
  if (unknown.length) throw unknownServices(unknown, Object.keys(ctx.spec.services));
  await ctx.runtime.ping();
  const { problems, engine } = await preflight({ spec: ctx.spec, runtime: ctx.runtime, host: systemHost }, selected);
  const errors = problems.filter((p) => p.severity === 'error').length;
  if (opts.json) io.stdout.write(`${JSON.stringify({ ok: errors === 0, services: selected, problems, ...(engine ? { engine } : {}) })}\n`);
  else {
    if (engine?.version)
      io.stdout.write(
        `checked against Docker Engine ${engine.version} (API ${engine.apiVersion})${engine.compose ? `, ${engine.compose.flavor === 'v1' ? 'docker-compose' : 'Docker Compose'} ${engine.compose.version}` : ''}\n`,
      );
    for (const p of problems) io.stdout.write(`${formatMachineProblem(p.severity === 'error' ? '✖' : '!', p)}\n`);
    io.stdout.write(
      errors > 0
        ? `${errors} problem${errors === 1 ? '' : 's'} would stop \`stack up\`; nothing was started\n`
        : `✔ ${selected.length} service${selected.length === 1 ? '' : 's'} checked: host ports, disk, memory and images are fine${problems.length ? ` (${problems.length} warning${problems.length === 1 ? '' : 's'})` : ''}\n`,
    );
  }
  return errors > 0 ? EXIT.USAGE : EXIT.OK;
}
