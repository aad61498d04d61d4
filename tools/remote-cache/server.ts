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
  // A signal stops accepting and lets the requests under way finish (up to the client timeout, the
  // longest an upload may stay silent); a second signal stops at once.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stdout.write(
        `${signal}: no new connections; finishing the requests under way (up to ${options.limits.clientTimeoutMs} ms)\n`,
      );
      for (const again of ['SIGINT', 'SIGTERM'] as const) process.once(again, () => process.exit(1));
      void server.shutdown(options.limits.clientTimeoutMs).then(({ unfinished }) => {
        if (unfinished > 0) process.stderr.write(`${unfinished} request(s) cut at the deadline\n`);
        process.exit(0);
      });
    });
  }
}

main().catch((error: unknown) => {
  const known = error instanceof CacheServerError || (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
  process.stderr.write(
    `cache-server: ${known ? (error as Error).message : `unexpected error: ${(error as Error).message.split('\n')[0]}`}\n`,
  );
  process.exit(1);
});
