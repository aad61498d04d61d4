import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { type ProcessResult, nxCommand, runProcess } from '@codebuff/release/run-process';

export const WORKSPACE_ROOT = resolve(__dirname, '..', '..');

/** Top-level entries a test workspace needs; node_modules is linked package by package, not copied. */
const COPIED = [
  'apps',
  'libs',
  'tools',
  'cli',
  'scripts',
  'nx.json',
  'package.json',
  'package-lock.json',
  'tsconfig.base.json',
  'tsconfig.json',
  '.gitignore',
  '.env',
];

export interface TestWorkspace {
  root: string;
  dispose(): void;
}

/**
 * A throwaway copy of this workspace (sources only, a fresh git history, its own Nx cache),
 * so tests run the real Nx graph without touching the developer's dist/ or cache.
 */
export function copyWorkspace(prefix = 'codebuff-ws-'): TestWorkspace {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const entry of COPIED) {
    try {
      cpSync(join(WORKSPACE_ROOT, entry), join(root, entry), {
        recursive: true,
        filter: (src) => !/[/\\](node_modules|dist|\.nx|tmp)([/\\]|$)/.test(src.slice(WORKSPACE_ROOT.length)),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  linkEachPackage(root);
  // Both dates fixed: the bundle tasks hash the last commit's time, so every copy must agree.
  const date = '2026-01-02T03:04:05Z';
  const git = (...args: string[]) =>
    spawnSync('git', args, { cwd: root, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
  git('init', '-q', '-b', 'main');
  git('-c', 'user.email=test@example.com', '-c', 'user.name=test', 'add', '-A');
  git('-c', 'user.email=test@example.com', '-c', 'user.name=test', 'commit', '-qm', 'test workspace');
  return {
    root,
    dispose: () => {
      const [node, nx] = nxCommand(root);
      spawnSync(node, [...nx, 'daemon', '--stop'], { cwd: root, stdio: 'ignore' });
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * A node_modules of its own whose entries link to the real ones: a test can then replace one
 * package (another version, a fixture) without touching the workspace everyone else uses. A
 * package npm links to a folder of this workspace (a `file:` dependency, such as the Nx plugin's
 * package) links to that folder in the copy, so the copy's Nx runs the copy's executors.
 */
function linkEachPackage(root: string): void {
  const from = join(WORKSPACE_ROOT, 'node_modules');
  const link = (name: string) => {
    const real = realpathSync(join(from, name));
    const inWorkspace = relative(WORKSPACE_ROOT, real);
    const target = inWorkspace.startsWith('..') || inWorkspace.split(sep).includes('node_modules') ? real : join(root, inWorkspace);
    symlinkSync(target, join(root, 'node_modules', name), 'dir');
  };
  mkdirSync(join(root, 'node_modules'));
  for (const entry of readdirSync(from)) {
    if (entry.startsWith('@')) {
      mkdirSync(join(root, 'node_modules', entry));
      for (const scoped of readdirSync(join(from, entry))) link(join(entry, scoped));
    } else {
      link(entry);
    }
  }
}

export type CommandResult = ProcessResult;

/** A program run to its end, both streams captured; killed after 10 minutes (a hung test fails). */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandResult> {
  return runProcess(command, args, { ...options, timeoutMs: options.timeoutMs ?? 600_000 });
}

/** Nx as CI runs it: no daemon, no cloud (the plugin in Nx's own process is the workspace's .env). */
export const CI_NX_ENV: Readonly<NodeJS.ProcessEnv> = {
  NX_DAEMON: 'false',
  // Unset: the copy's .env decides, as it does for anyone who runs this workspace's Nx.
  NX_ISOLATE_PLUGINS: undefined,
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  CI: 'true',
  FORCE_COLOR: '0',
};

/** Runs the real `nx` of this workspace as CI does (CI_NX_ENV), unless env says otherwise. */
export function runNx(root: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = root): Promise<CommandResult> {
  const [node, nx] = nxCommand(root);
  return runCommand(node, [...nx, ...args], { cwd, env: { ...CI_NX_ENV, ...env } });
}

export interface TaskOutcome {
  /** Tasks whose command ran. */
  ran: string[];
  /** Tasks restored from the cache. */
  cached: string[];
}

/**
 * Which tasks ran and which came from cache, from Nx's `> nx run p:t [local cache]` lines
 * (or the `✔  nx run p:t [local cache]` summary lines of run-many's compact output).
 */
export function taskOutcome(coloured: string): TaskOutcome {
  // Nx colours its output whenever CI is set (picocolors), whatever the terminal.
  const output = coloured.replace(/\x1b\[[0-9;]*m/g, '');
  const ran: string[] = [];
  const cached: string[] = [];
  for (const match of output.matchAll(/^(?:>|✔ |✖ ) nx run ([^\s]+)(.*)$/gm)) {
    const task = match[1];
    if (/\[(local|remote) cache\]|existing outputs match the cache/.test(match[2])) cached.push(task);
    else ran.push(task);
  }
  // A batch of one task prints its `> nx run` line twice (Nx 23.3.1); a task is one task.
  return { ran: [...new Set(ran)].sort(), cached: [...new Set(cached)].sort() };
}
