/** Finding a program the way a shell would: a path is taken as is (relative to `cwd`), a name is looked up on PATH. */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** On Windows a name is tried with each extension of PATHEXT (as cmd.exe does); elsewhere as written. */
function candidates(file: string, platform: NodeJS.Platform, pathext: string | undefined): string[] {
  if (platform !== 'win32') return [file];
  const exts = (pathext || '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean);
  return [file, ...exts.map((e) => file + e.toLowerCase())];
}

function executable(file: string, platform: NodeJS.Platform): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    if (platform !== 'win32') accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `command` on PATH. */
export function whichOnPath(command: string, path: string, platform: NodeJS.Platform = process.platform, pathext?: string): string | undefined {
  for (const dir of path.split(platform === 'win32' ? ';' : delimiter).filter(Boolean)) {
    for (const file of candidates(join(dir, command), platform, pathext)) if (executable(file, platform)) return file;
  }
  return undefined;
}

/** `program` as a shell would find it: with a slash, relative to `cwd`; otherwise on PATH. */
export function findProgram(
  program: string,
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const pathext = env['PATHEXT'];
  if (program.includes('/') || (platform === 'win32' && program.includes('\\'))) {
    const file = isAbsolute(program) ? program : resolve(cwd, program);
    return candidates(file, platform, pathext).find((f) => executable(f, platform));
  }
  return whichOnPath(program, env['PATH'] ?? env['Path'] ?? '', platform, pathext);
}
