/** `stack diff` / `stack up --dry-run` as text: one line per step, in the order `up` would take them. */
import type { UpPreview } from '../engine/preview.js';

export function previewLines(stack: string, preview: UpPreview): string[] {
  const { steps, changes } = preview;
  const head =
    changes === 0
      ? `${stack}: up would change nothing (dry run; nothing was touched)`
      : `${stack}: up would make ${changes} change${changes === 1 ? '' : 's'}, in this order (dry run; nothing was touched)`;
  const width = Math.max(8, ...steps.map((s) => s.service.length));
  return [
    head,
    ...steps.map((s) => `  ${s.action.padEnd(8)} ${s.service.padEnd(width)}${s.reason ? `  ${s.reason}` : ''}${s.via === 'compose' ? ' [via compose]' : ''}`),
  ];
}
