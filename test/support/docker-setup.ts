/**
 * Global setup of the integration tests: a real Docker engine (installed and started when missing, on a
 * root Debian machine), the local images (built once per machine, reused after), and a fresh build of the CLI.
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  run('bash', ['scripts/provision-docker.sh']);
  run('bash', ['scripts/build-images.sh']);
  run('bash', ['scripts/build-bench-image.sh']); // the 2 MB busybox image, for tests on a second engine
  run('npx', ['tsc', '-p', 'tsconfig.build.json']);
}
