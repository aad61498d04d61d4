import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ReleaseError } from './errors';

export interface ProcessResult {
  code: number;
  /** Captured stdout and stderr ('' for a stream passed through to ours). */
  stdout: string;
  stderr: string;
  /** Both, interleaved as they arrived. */
  output: string;
}

export interface RunProcessOptions {
  cwd: string;
  /** Added to this process's environment (or, with `envOnly`, the whole environment). */
  env?: NodeJS.ProcessEnv;
  envOnly?: boolean;
  /** 'inherit' passes a stream through to ours (the user sees it) instead of capturing it. */
  stdout?: 'capture' | 'inherit';
  stderr?: 'capture' | 'inherit';
  /** Killed (SIGKILL) after this long; the result's code is then 1. */
  timeoutMs?: number;
  /** Only for Windows .cmd shims, which cannot be spawned otherwise; arguments stay an array. */
  shell?: boolean;
}

/**
 * Runs a program with an argument array (never a command line split on spaces) and waits for it:
 * the one spawn-and-capture helper of the workspace. A program that cannot start is a one-line
 * ReleaseError.
 */
export function runProcess(command: string, args: readonly string[], options: RunProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.envOnly ? options.env : { ...process.env, ...options.env },
      stdio: ['ignore', options.stdout === 'inherit' ? 'inherit' : 'pipe', options.stderr === 'inherit' ? 'inherit' : 'pipe'],
      shell: options.shell ?? false,
    });
    const result: ProcessResult = { code: 1, stdout: '', stderr: '', output: '' };
    child.stdout?.on('data', (chunk: Buffer) => {
      result.stdout += chunk;
      result.output += chunk;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      result.stderr += chunk;
      result.output += chunk;
    });
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new ReleaseError(`cannot run ${command}: ${error.message}`, { cause: error }));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ ...result, code: code ?? 1 });
    });
  });
}

/**
 * A workspace's own Nx, as `npx nx` would run it but without a shell: Node and Nx's script. Node
 * even when Bun runs the caller, since Nx is a Node program.
 */
export function nxCommand(workspaceRoot: string): [string, string[]] {
  const node = typeof (globalThis as { Bun?: unknown }).Bun === 'undefined' ? process.execPath : 'node';
  return [node, [join(workspaceRoot, 'node_modules', 'nx', 'dist', 'bin', 'nx.js')]];
}
