/** The services a command works on: those named plus those of a profile from stack.yaml `profiles:`. */
import { UsageError } from '../core/errors.js';

export function withProfile(spec: { profiles: Record<string, string[]> }, services: readonly string[], profile: string | undefined): string[] {
  if (!profile) return [...services];
  const members = spec.profiles[profile];
  if (!members) {
    const known = Object.keys(spec.profiles);
    throw new UsageError(
      `unknown profile: ${profile}`,
      known.length ? `Profiles in stack.yaml: ${known.join(', ')}` : 'Declare profiles under `profiles:` in stack.yaml.',
    );
  }
  return [...new Set([...members, ...services])];
}
