import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'jsonc-parser';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { mergeTasks, stackTasks } from '../../src/ide/vscode-tasks.js';
import { cli } from '../support/cli.js';

const help = async (...cmd: string[]) => (await cli([...cmd, '--help'])).stdout;

describe('stack init vscode', () => {
  it('writes the folder-open task and the Stack tasks into a new workspace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-'));
    const r = await cli(['init', 'vscode', '--dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Allow/);
    const tasks = parse(readFileSync(join(dir, '.vscode/tasks.json'), 'utf8'));
    expect(tasks.tasks.map((t: { label: string }) => t.label)).toEqual([
      'Stack: Autostart',
      'Stack: Up',
      'Stack: Down',
      'Stack: Restart',
      'Stack: Status',
      'Stack: Dashboard',
    ]);
    expect(tasks.tasks[0]).toMatchObject({
      runOptions: { runOn: 'folderOpen' },
      command: expect.stringMatching(/^npx --no-install stack -f .*stack\.yaml autostart$/),
    });
    expect(tasks.inputs[0].options).toEqual(['grafana', 'migrate', 'postgres', 'prometheus', 'qdrant', 'rag-server', 'redis', 'worker']);
  });

  it("merges into an existing tasks.json, keeping the user's tasks and comments, and is idempotent", () => {
    const existing = `// my tasks\n{\n  "version": "2.0.0",\n  "tasks": [\n    // build first\n    { "label": "build", "type": "npm", "script": "build" },\n    { "label": "Stack: Up", "type": "shell", "command": "old" },\n  ],\n}\n`;
    const wanted = stackTasks('stack', ['a', 'b']);
    const once = mergeTasks(existing, wanted);
    expect(once).toContain('// my tasks');
    expect(once).toContain('// build first');
    const parsed = parse(once);
    expect(parsed.tasks.map((t: { label: string }) => t.label)).toEqual([
      'build',
      'Stack: Up',
      'Stack: Autostart',
      'Stack: Down',
      'Stack: Restart',
      'Stack: Status',
      'Stack: Dashboard',
    ]);
    expect(parsed.tasks[1].command).toBe('stack up --detach');
    expect(mergeTasks(once, wanted)).toBe(once);
  });

  it('the repository’s own .vscode/tasks.json is what `stack init vscode --command "node dist/cli/main.js"` writes', async () => {
    const committed = readFileSync('.vscode/tasks.json', 'utf8');
    expect(mergeTasks(committed, stackTasks('node dist/cli/main.js', ['grafana', 'postgres', 'prometheus', 'qdrant', 'rag-server', 'redis']))).toBe(committed);
  });
});

describe('stack autostart', () => {
  it.each(['0', 'false', 'off'])('STACK_AUTOSTART=%s makes it a no-op that needs no Docker', async (value) => {
    const r = await cli(['autostart'], { env: { STACK_AUTOSTART: value, DOCKER_HOST: 'unix:///nonexistent.sock' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/stack autostart is off/);
  });
});

describe('PowerShell wrappers (pwsh cannot run here: their CLI calls are checked against the CLI)', () => {
  const wrappers = { 'Start-FullStack.ps1': 'up', 'Stop-FullStack.ps1': 'down', 'Status-FullStack.ps1': 'status', 'Restart-FullStack.ps1': 'restart' } as const;

  it('there is one for each of Start, Stop, Status and Restart', () => {
    expect(
      readdirSync('scripts')
        .filter((f) => f.endsWith('-FullStack.ps1'))
        .sort(),
    ).toEqual(Object.keys(wrappers).sort());
  });

  it.each(Object.entries(wrappers))(
    '%s passes only flags `stack %s` has, has help for every parameter, and passes the exit code through',
    async (file, command) => {
      const text = readFileSync(join('scripts', file), 'utf8');
      const flags = [...text.matchAll(/'(--[a-z-]+)'/g)].map((m) => m[1]!);
      expect(flags.length).toBeGreaterThan(0);
      const known = (await help(command)) + (await help());
      for (const flag of flags) expect(known, `${file} passes ${flag}`).toContain(flag);
      expect(text).toContain(`'${command}'`);
      for (const section of ['.SYNOPSIS', '.DESCRIPTION', '.EXAMPLE']) expect(text).toContain(section);
      const params = [...text.matchAll(/\]\s*\$([A-Za-z]+)/g)].map((m) => m[1]!);
      for (const p of params) expect(text, `${file} documents -${p}`).toContain(`.PARAMETER ${p}`);
      expect(text).toMatch(/exit \$LASTEXITCODE\s*$/);
      expect(text).toContain('-Json:$Json'); // -Json returns objects through ConvertFrom-Json (StackCli.ps1)
    },
  );
});

describe('the GitHub Actions example', () => {
  it('is valid YAML whose stack commands and flags all exist', async () => {
    const doc = parseYaml(readFileSync('docs/examples/github-actions.yml', 'utf8'));
    const runs: string[] = doc.jobs.integration.steps.flatMap((s: { run?: string }) => (s.run ? s.run.split('\n') : []));
    const calls = runs.map((l) => l.trim()).filter((l) => l.startsWith('npx stack '));
    expect(calls.length).toBeGreaterThanOrEqual(5);
    for (const call of calls) {
      const [command, ...rest] = call.replace('npx stack ', '').split(/\s+/);
      const known = (await help(command!)) + (await help());
      for (const flag of rest.filter((t) => t.startsWith('--'))) expect(known, call).toContain(flag);
    }
  });
});

describe('the devcontainer example', () => {
  it('is JSONC that starts the stack through autostart', () => {
    const doc = parse(readFileSync('.devcontainer/devcontainer.json', 'utf8'));
    expect(doc.postStartCommand).toMatch(/autostart$/);
  });
});
