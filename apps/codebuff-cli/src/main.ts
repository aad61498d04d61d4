import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from './args';
import { buildInfo } from './build-info';

const USAGE = `Usage: codebuff [options] [prompt...]

Codebuff edits your codebase from natural-language instructions.

Options:
  -v, --version   print the version and exit
  -h, --help      print this help and exit
      --info      print version, build platform and runtime
      --cwd DIR   project directory (default: current directory)
`;

function summarizeProject(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return `not a directory: ${dir}`;
  const entries = readdirSync(dir).filter((e) => !e.startsWith('.'));
  const marker = ['package.json', 'Cargo.toml', 'go.mod', 'pyproject.toml'].find((m) => existsSync(join(dir, m)));
  return `${dir}: ${entries.length} entries${marker ? `, ${marker} found` : ''}`;
}

function main(argv: readonly string[]): number {
  const info = buildInfo();
  const command = parseArgs(argv);
  switch (command.kind) {
    case 'version':
      process.stdout.write(`${info.version}\n`);
      return 0;
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'info':
      process.stdout.write(`codebuff ${info.version}\nbuilt for: ${info.builtFor}\nrunning on: ${process.platform}-${process.arch}\n`);
      return 0;
    case 'error':
      process.stderr.write(`codebuff: ${command.message}\n`);
      return 2;
    case 'run':
      process.stdout.write(`codebuff ${info.version} (${info.builtFor})\n${summarizeProject(command.cwd)}\n`);
      if (command.prompt) process.stdout.write(`prompt: ${command.prompt}\n`);
      return 0;
  }
}

process.exitCode = main(process.argv.slice(2));
