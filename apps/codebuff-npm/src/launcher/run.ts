import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { LauncherError } from './errors';
import { inTerminalForeground } from './foreground';

/** Signals that usually reach one pid (kill, a process manager), so the launcher passes them on. */
const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/**
 * Runs the binary with the user's arguments and this process's stdin/stdout/stderr, and ends
 * the launcher the way the binary ended: same exit code, or the same signal.
 *
 * SIGINT: a Ctrl-C typed in the terminal already reaches the binary (the terminal signals the
 * whole foreground process group), so it is absorbed here, not delivered twice. A SIGINT sent to
 * the launcher's pid alone (a supervisor, an IDE's stop button) is passed on; see foreground.ts
 * for how the two are told apart.
 */
export function runBinary(binaryPath: string, args: readonly string[], repair: string): Promise<never> {
  return new Promise((_resolve, reject) => {
    // Handlers go in before the spawn: a SIGTERM that lands between the spawn and their
    // installation would kill the launcher and orphan the running binary. (libuv delivers the
    // signal on a later loop turn, by which time `child` is set.)
    let child: ReturnType<typeof spawn> | undefined;
    const forward = (signal: NodeJS.Signals) => () => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    const handlers = new Map<NodeJS.Signals, () => void>();
    const interrupt = () => {
      if (process.platform === 'win32' || inTerminalForeground()) return;
      forward('SIGINT')();
    };
    process.on('SIGINT', interrupt);
    if (process.platform !== 'win32') {
      for (const signal of FORWARDED) {
        const handler = forward(signal);
        handlers.set(signal, handler);
        process.on(signal, handler);
      }
    }
    child = spawn(binaryPath, args, { stdio: 'inherit', windowsHide: false });
    const detach = () => {
      process.off('SIGINT', interrupt);
      for (const [signal, handler] of handlers) process.off(signal, handler);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      detach();
      reject(spawnError(binaryPath, error, repair));
    });
    child.once('exit', (code, signal) => {
      detach();
      if (signal) {
        // Die of the same signal, so a shell or supervisor sees what really happened.
        process.kill(process.pid, signal);
        // Only reached where the signal cannot be raised (Windows): the shell convention.
        process.exit(128 + (constants.signals[signal] ?? 1));
      }
      process.exit(code ?? 1);
    });
  });
}

function spawnError(binaryPath: string, error: NodeJS.ErrnoException, repair: string): LauncherError {
  if (error.code === 'ENOENT' && process.platform === 'linux') {
    return new LauncherError(
      `cannot start ${binaryPath}: the system could not execute it (ENOENT). If the file exists, this Linux probably uses musl libc (Alpine), which the published binaries do not support`,
      { repair },
    );
  }
  if (error.code === 'EACCES') {
    return new LauncherError(
      `cannot start ${binaryPath}: permission denied (is the cache on a noexec mount? set CODEBUFF_HOME elsewhere)`,
      { repair },
    );
  }
  return new LauncherError(`cannot start ${binaryPath}: ${error.message}`, { repair });
}
