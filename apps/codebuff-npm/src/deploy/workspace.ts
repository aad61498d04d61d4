import { join, resolve } from 'node:path';
import { BUNDLE } from '@codebuff/release/pipeline';

/** The repository root, from this file's place in it (scripts may run from any directory). */
export const WORKSPACE_ROOT = resolve(__dirname, '..', '..', '..', '..');
export const LAUNCHER_PROJECT_DIR = join(WORKSPACE_ROOT, 'apps', 'codebuff-npm');
/** Where `nx run codebuff-npm:build` writes the launcher (its declared output). */
export const LAUNCHER_BUILD_DIR = join(WORKSPACE_ROOT, 'dist', 'apps', 'codebuff-npm', 'bin');
/** Where `nx run codebuff-cli:bundle` assembles releases: `<root>/<version>/`. */
export const RELEASE_ROOT = join(WORKSPACE_ROOT, BUNDLE.writes);
/** Where deploy-local leaves the packed launcher tarball. */
export const NPM_PACK_DIR = join(WORKSPACE_ROOT, 'dist', 'npm');
