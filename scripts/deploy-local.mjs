#!/usr/bin/env node
// Builds, packs and installs the `codebuff` npm launcher from this machine's build output, then
// runs `codebuff --version` through it. See `node scripts/deploy-local.mjs --help`.
// Thin on purpose: the logic is TypeScript in apps/codebuff-npm/src/deploy/, loaded through tsx.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/cjs/api';

// The TypeScript sources are CommonJS modules (like the rest of the workspace): tsx's require hook
// loads them, with the workspace's tsconfig (its paths map @codebuff/* imports) from any directory.
process.env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL('../tsconfig.json', import.meta.url));
register();
const require = createRequire(import.meta.url);
const { deployLocalMain } = require('../apps/codebuff-npm/src/deploy/deploy-local.ts');
process.exitCode = await deployLocalMain(process.argv.slice(2));
