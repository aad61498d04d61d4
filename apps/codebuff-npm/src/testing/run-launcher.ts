import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface LauncherRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'];

/** The environment of a launcher under test: the test's cache dir, and no proxy unless given. */
export function launcherEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of PROXY_VARS) delete env[name];
  delete env.CODEBUFF_DOWNLOAD_BASE_URL;
  delete env.CODEBUFF_SKIP_DOWNLOAD;
  return { ...env, CODEBUFF_HOME: home, FIXTURE_VERSION_OUT: '9.9.9', ...extra };
}

/** Starts `node <package>/bin/<entry>.js args` the way npm's bin shim does. */
export function startLauncher(packageDir: string, args: readonly string[], env: NodeJS.ProcessEnv, entry = 'codebuff.js'): ChildProcess {
  return spawn(process.execPath, [join(packageDir, 'bin', entry), ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
}

/**
 * Waits for the process to end. With `timeoutMs`, a process still running then is killed and the
 * run rejects: a launcher that hangs fails its test with a reason instead of stalling the suite.
 * `input` null leaves stdin open for the caller.
 */
export function collect(child: ChildProcess, input?: string | null, timeoutMs?: number): Promise<LauncherRun> {
  return new Promise((resolve, reject) => {
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`the launcher (pid ${child.pid}) was still running after ${timeoutMs} ms; stderr so far: ${stderr}`));
          }, timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c));
    child.stderr?.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (typeof input === 'string') child.stdin?.end(input);
    else if (input === undefined) child.stdin?.end();
  });
}

export function runLauncher(
  packageDir: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  input?: string,
  entry?: string,
  timeoutMs?: number,
): Promise<LauncherRun> {
  return collect(startLauncher(packageDir, args, env, entry), input, timeoutMs);
}

/** Waits until the process has printed `text` on stderr (or stdout), or fails after `timeoutMs`. */
export function waitForOutput(child: ChildProcess, text: string | RegExp, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${String(text)} within ${timeoutMs} ms; output: ${seen}`)), timeoutMs);
    const look = (chunk: Buffer) => {
      seen += chunk;
      if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr?.on('data', look);
    child.stdout?.on('data', look);
  });
}
