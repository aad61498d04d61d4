import { readFileSync } from 'node:fs';
import { USAGE } from '@codebuff/common';
import { loadTreeSitter, runHelper, sessionLines } from '@codebuff/sdk';
import { createCliRenderer } from '@opentui/core';
import { createRoot } from '@opentui/react';
import { App, bootLine } from './app';
import { parseArgs } from './args';
import { buildInfo } from './build-info';
import tipsPath from '../assets/tips.txt' with { type: 'file' };

async function main(argv: readonly string[]): Promise<number> {
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
        // biome-ignore lint/style/useTemplate: lines joined, then the last newline, reads plainer than a template around an array
        [
          `codebuff ${info.version} (${info.channel})`,
          `built for: ${info.builtFor}`,
          `running on: ${process.platform}-${process.arch}`,
          `bundled: semver ${info.semverVersion}`,
          `helper: ${await runHelper()}`,
          await loadTreeSitter(),
        ].join('\n') + '\n',
      );
      return 0;
    case 'error':
      process.stderr.write(`codebuff: ${command.message}\n`);
      return 2;
    case 'run': {
      const lines = sessionLines(command.cwd, command.prompt);
      if (!process.stdout.isTTY || !process.stdin.isTTY) {
        // Piped or scripted: no screen to draw on, so the same lines as plain text.
        process.stdout.write(`${bootLine(info.version)} (${info.builtFor})\n${lines.join('\n')}\n`);
        return 0;
      }
      const renderer = await createCliRenderer({ exitOnCtrlC: true });
      const quit = () => {
        renderer.destroy();
        process.exit(0);
      };
      createRoot(renderer).render(<App version={info.version} lines={lines} onQuit={quit} />);
      return new Promise<number>(() => {}); // the screen runs until q, Esc or Ctrl-C
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`codebuff: ${error.message}\n`);
    process.exitCode = 1;
  },
);
