// Test helper: s3rver in a process of its own, so a test can pause it (SIGSTOP) like a store
// that still holds its connections but no longer answers.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { RunningS3 } from '@codebuff/testing/s3rver';

export interface S3Process extends RunningS3 {
  pause(): void;
  resume(): void;
}

const CHILD = `
const { startS3rver } = require(${JSON.stringify(join(__dirname, '../testing/s3rver'))});
startS3rver(JSON.parse(process.argv[1])).then((s3) => {
  process.stdout.write(JSON.stringify({ endpoint: s3.endpoint, directory: s3.directory }) + '\\n');
  process.once('SIGTERM', () => s3.close().then(() => process.exit(0)));
});
`;

export async function startS3rverProcess(buckets: readonly string[]): Promise<S3Process> {
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', CHILD, JSON.stringify(buckets)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  while (!output.includes('\n')) {
    const [chunk] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit').then(() => [undefined])])) as [string | undefined];
    if (chunk === undefined) throw new Error(`s3rver process exited: ${output}`);
    output += chunk;
  }
  const { endpoint, directory } = JSON.parse(output) as { endpoint: string; directory: string };
  return {
    endpoint,
    directory,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    close: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
