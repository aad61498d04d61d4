// The cache server's command line: `npm run cache-server -- --bucket NAME` (see README.md).
import { startCacheServer } from './cache-server';
import { CacheServerError, parseServerOptions, USAGE } from './options';

async function main(): Promise<void> {
  const options = parseServerOptions(process.argv.slice(2), process.env);
  if (options === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const server = await startCacheServer({
    ...options,
    log: (line, kind) => {
      if (kind === 'error') process.stderr.write(`${line}\n`);
      else if (!options.quiet) process.stdout.write(`${line}\n`);
    },
  });
  const { bucket, prefix, endpoint } = options.s3;
  process.stdout.write(
    `nx remote cache listening on ${server.url} -> s3://${bucket}/${prefix}/${endpoint ? ` at ${endpoint}` : ''}` +
      ` (read-write token${options.tokens.read ? ' and read-only token' : ''} configured)\n`,
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void server.close().then(() => process.exit(0)));
  }
}

main().catch((error: unknown) => {
  const known = error instanceof CacheServerError || (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
  process.stderr.write(`cache-server: ${known ? (error as Error).message : `unexpected error: ${(error as Error).message.split('\n')[0]}`}\n`);
  process.exit(1);
});
