/** `stack env`: connection settings of the running services, for a shell, a test runner or a CI job. */
import { appendFileSync } from 'node:fs';
import { connectionEnv, formatEnv, type EnvFormat } from '../../connect/connection-env.js';
import { resolveServices } from '../../connect/resolve-services.js';
import { GateFailedError, UsageError } from '../../core/errors.js';
import { selectServices } from '../../graph/plan.js';
import { profileOf, type GlobalOptions } from '../context.js';
import { unknownServices, withProfile } from '../flags.js';
import type { CliIo } from '../io.js';
import { stackContext } from '../stack-context.js';

export async function envCommand(services: string[], flags: { format: EnvFormat; showSecrets?: boolean }, opts: GlobalOptions, io: CliIo): Promise<void> {
  // --json is the JSON format; with --format github the output is for the runner, not a JSON document.
  if (opts.json && flags.format === 'github') throw new UsageError('--json and --format github exclude each other', 'Use one of them.');
  const o = opts.json ? { ...flags, format: 'json' as const } : flags;
  const ctx = stackContext(opts, io);
  const { selected, unknown } = selectServices(ctx.spec.services, withProfile(ctx.spec, services, profileOf(opts, ctx.spec)));
  if (unknown.length) throw unknownServices(unknown, Object.keys(ctx.spec.services));
  await ctx.runtime.ping();
  // A job runs to completion: it has nothing to connect to, and not running is what it should be.
  const { resolved, missing } = await resolveServices(
    ctx.spec,
    ctx.runtime,
    selected.filter((n) => !ctx.spec.services[n]!.job),
  );
  let vars;
  try {
    vars = connectionEnv(resolved, ctx.spec.env, !!o.showSecrets);
  } catch (err) {
    throw new UsageError((err as Error).message, 'Publish the port in the compose file, or fix the exports template in stack.yaml.');
  }
  if (o.format === 'github') {
    const target = io.env['GITHUB_ENV'];
    // Masks must reach the runner through stdout before the values can appear anywhere.
    for (const v of vars) if (v.secret) io.stdout.write(`::add-mask::${v.value}\n`);
    if (target) {
      appendFileSync(target, formatEnv(vars, 'dotenv'));
      io.stderr.write(`wrote ${vars.length} variables to $GITHUB_ENV\n`);
    } else {
      io.stdout.write(formatEnv(vars, 'dotenv'));
    }
  } else {
    io.stdout.write(formatEnv(vars, o.format));
  }
  if (missing.length) throw new GateFailedError(`not running, so no settings for: ${missing.join(', ')}`, []);
}
