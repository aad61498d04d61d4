export type Command =
  | { kind: 'version' }
  | { kind: 'help' }
  | { kind: 'info' }
  | { kind: 'run'; prompt: string; cwd: string }
  | { kind: 'error'; message: string };

/** Tiny argument parser: Codebuff's surface is small enough that a dependency is not worth its bytes. */
export function parseArgs(argv: readonly string[]): Command {
  let cwd = process.cwd();
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--version' || arg === '-v') return { kind: 'version' };
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--info') return { kind: 'info' };
    if (arg === '--cwd') {
      const value = argv[++i];
      if (!value) return { kind: 'error', message: '--cwd needs a directory' };
      cwd = value;
    } else if (arg.startsWith('--cwd=')) {
      cwd = arg.slice('--cwd='.length);
    } else if (arg.startsWith('-')) {
      return { kind: 'error', message: `unknown option ${arg} (see codebuff --help)` };
    } else {
      words.push(arg);
    }
  }
  return { kind: 'run', prompt: words.join(' '), cwd };
}
