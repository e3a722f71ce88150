/** `stack diff` and `stack up --dry-run`: what up would do now, in order; nothing is touched. */
import { previewUp } from '../../engine/preview.js';
import { previewLines } from '../../report/preview-text.js';
import { readReadyTimes } from '../../state/ready-times.js';
import { profileOf, type GlobalOptions } from '../context.js';
import { EXIT, EXIT_WOULD_CHANGE } from '../exit-codes.js';
import { withProfile } from '../flags.js';
import type { CliIo } from '../io.js';
import { stackContext } from '../stack-context.js';

export interface DiffFlags {
  rerunJobs?: boolean;
  keepOrphans?: boolean;
}

/** Returns the exit code: 0 when up would change nothing, EXIT_WOULD_CHANGE otherwise. */
export async function diffCommand(named: string[], flags: DiffFlags, opts: GlobalOptions, io: CliIo): Promise<number> {
  const ctx = stackContext(opts, io);
  const services = withProfile(ctx.spec, named, profileOf(opts, ctx.spec));
  const preview = await previewUp(
    { spec: ctx.spec, runtime: ctx.runtime },
    { services, rerunJobs: flags.rerunJobs === true, keepOrphans: flags.keepOrphans === true, expectedReadyMs: readReadyTimes(ctx.paths) },
  );
  if (opts.json) io.stdout.write(`${JSON.stringify({ name: ctx.spec.name, ...preview })}\n`);
  else io.stdout.write(`${previewLines(ctx.spec.name, preview).join('\n')}\n`);
  return preview.changes === 0 ? EXIT.OK : EXIT_WOULD_CHANGE;
}
