import { readFileSync } from 'node:fs';
import { describeProject, USAGE } from '@codebuff/common';
import { parseArgs } from './args';
import { buildInfo } from './build-info';
import tipsPath from '../assets/tips.txt' with { type: 'file' };

function main(argv: readonly string[]): number {
  const info = buildInfo();
  const command = parseArgs(argv);
  switch (command.kind) {
    case 'version':
      process.stdout.write(`${info.version}\n`);
      return 0;
    case 'help':
      // The tips file is embedded in the binary by Bun (`with { type: 'file' }`).
      process.stdout.write(`${USAGE}\n${readFileSync(tipsPath, 'utf8')}`);
      return 0;
    case 'info':
      process.stdout.write(
        `codebuff ${info.version} (${info.channel})\nbuilt for: ${info.builtFor}\nrunning on: ${process.platform}-${process.arch}\nbundled: semver ${info.semverVersion}\n`,
      );
      return 0;
    case 'error':
      process.stderr.write(`codebuff: ${command.message}\n`);
      return 2;
    case 'run':
      process.stdout.write(`codebuff ${info.version} (${info.builtFor})\n${describeProject(command.cwd)}\n`);
      if (command.prompt) process.stdout.write(`prompt: ${command.prompt}\n`);
      return 0;
  }
}

process.exitCode = main(process.argv.slice(2));
