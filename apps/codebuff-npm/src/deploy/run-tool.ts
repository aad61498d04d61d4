import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { ReleaseError } from '@codebuff/release/errors';
import { WORKSPACE_ROOT } from './workspace';

export interface ToolRun {
  code: number;
  stdout: string;
}

/**
 * Runs a program with an argument array (never a command line split on spaces; a shell only
 * where Windows requires one for .cmd files),
 * its stderr shown to the user; stdout is shown too unless `capture` is set.
 */
export function runTool(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; capture?: boolean; shell?: boolean } = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? WORKSPACE_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', options.capture ? 'pipe' : 'inherit', 'inherit'],
      // Only for Windows .cmd shims, which cannot be spawned otherwise; arguments are fixed strings.
      shell: options.shell ?? false,
    });
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk));
    child.once('error', (error) => reject(new ReleaseError(`cannot run ${command}: ${error.message}`)));
    child.once('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

/**
 * npm's own CLI script, run with this node: works the same on Windows (where `npm` is a .cmd
 * that cannot be spawned without a shell) and under `npm run`, which names it in npm_execpath.
 */
export function npmCommand(): [string, string[]] {
  const candidates = [
    process.env.npm_execpath,
    join(dirname(process.execPath), 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    ...npmOnPath(),
  ];
  const cli = candidates.find((c) => c && /npm-cli\.js$/.test(c) && existsSync(c));
  if (!cli) throw new ReleaseError('cannot find npm next to this node; install npm or run through `npm run`');
  return [process.execPath, [cli]];
}

export function runNpm(args: readonly string[], options: { cwd?: string; capture?: boolean } = {}): Promise<ToolRun> {
  const [command, prefix] = npmCommand();
  return runTool(command, [...prefix, ...args], options);
}

/** This workspace's Nx, as `npx nx` would run it, without a shell. */
export function runNx(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ToolRun> {
  return runTool(process.execPath, [join(WORKSPACE_ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), ...args], { env });
}

/** `npm` found on PATH, followed through its symlink to npm-cli.js (a node without its own npm). */
function npmOnPath(): string[] {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'npm'))
    .filter((file) => existsSync(file))
    .map((file) => {
      try {
        return realpathSync(file);
      } catch {
        return file;
      }
    });
}
