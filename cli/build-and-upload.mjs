#!/usr/bin/env node
// The seed's command line (build-and-upload-plan.md), runnable with `bun` or `node`:
//   bun cli/build-and-upload.mjs --version 1.0.0 --target github
//   bun cli/build-and-upload.mjs --version 1.0.0 --target s3 --bucket my-bucket
//   bun cli/build-and-upload.mjs --version 1.0.0 --local-only
// A thin front: it validates the options and runs the Nx targets, so it shares their cache.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
if (typeof Bun === 'undefined') {
  // tsx with the workspace's tsconfig (its paths map @codebuff/* imports) from any directory;
  // Bun finds it on its own, from the file's folder up.
  process.env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL('../tsconfig.json', import.meta.url));
  require('tsx/cjs/api').register();
}
const { main } = require('./src/build-and-upload.ts');
process.exitCode = await main(process.argv.slice(2));
