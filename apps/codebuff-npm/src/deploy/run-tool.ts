import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { ReleaseError } from '@codebuff/release/errors';
import { nxCommand, runProcess } from '@codebuff/release/run-process';
import { WORKSPACE_ROOT } from './workspace';

export interface ToolRun {
  code: number;
  stdout: string;
}

/** A program the user sees run: its stderr (and stdout, unless `capture`) go to ours. */
export async function runTool(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; capture?: boolean; shell?: boolean } = {},
): Promise<ToolRun> {
  const result = await runProcess(command, args, {
    cwd: options.cwd ?? WORKSPACE_ROOT,
    env: options.env,
    stdout: options.capture ? 'capture' : 'inherit',
    stderr: 'inherit',
    shell: options.shell,
  });
  return { code: result.code, stdout: result.stdout };
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
  const [node, nx] = nxCommand(WORKSPACE_ROOT);
  return runTool(node, [...nx, ...args], { env });
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
