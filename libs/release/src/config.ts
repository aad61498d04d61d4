import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { ReleaseError } from './errors';
import { parseJsonWithoutDuplicates } from './json-strict';
import { allowListEntryProblem } from './sbom/allow-list';
import { NOTICES_FILE } from './sbom/file-names';
import { type PlatformSpec, readPlatformTable, selectPlatforms } from './platforms';

export const RELEASE_CONFIG_FILE = 'release.config.json';

const platformList = z.array(z.string()).optional();
const githubRepo = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, 'expected owner/name');
/** A file path inside a repository: relative, no `..`. */
const repoPath = z
  .string()
  .regex(/^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/, 'expected a relative path such as Formula/codebuff.rb');

/** A workspace-relative file path: no `..`, no leading `/`. */
const workspacePath = z
  .string()
  .regex(
    /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9@._+-]+(?:\/[A-Za-z0-9@._+-]+)*$/,
    'expected a workspace-relative path such as node_modules/web-tree-sitter/tree-sitter.wasm',
  );

/**
 * `release.config.json` beside a project: what to compile and where releases go by default.
 * The Nx plugin turns it into targets; the CLI front and executors read it too.
 */
export const ReleaseProjectConfigSchema = z
  .object({
    /** Base name of the binary and of every asset: `<name>-<platform>.<ext>`. */
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, ".", "_" and "-"'),
    /** Entry file, relative to the project root. */
    entry: z.string().min(1),
    /** Subset of the platform table; all platforms when absent. */
    platforms: platformList,
    /**
     * Files every archive carries beside the binary, as workspace-relative paths (a file under
     * node_modules is hashed by its package's lockfile pin); each lands under its base name.
     */
    files: z.array(workspacePath).optional(),
    /**
     * Per platform, platform packages the code names that cannot be had for it (name → reason).
     * They stay out of that binary; the import fails only on that path at run time.
     */
    nativeExclusions: z
      .record(
        z.string(),
        z.record(z.string().regex(/^(@[a-z0-9._-]+\/)?[a-z0-9._-]+$/, 'expected an npm package name'), z.string().min(1, 'give a reason')),
      )
      .optional(),
    /**
     * SPDX license ids a binary may carry (libs/release/src/sbom); a bundled package whose license
     * expression they do not satisfy stops that platform's compile. Default: DEFAULT_ALLOWED_LICENSES.
     */
    allowedLicenses: z
      .array(z.string())
      .min(1, 'name at least one license id, or leave the field out for the default list')
      .superRefine((ids, ctx) => {
        for (const [i, id] of ids.entries()) {
          const problem = allowListEntryProblem(id);
          if (problem) ctx.addIssue({ code: 'custom', path: [i], message: problem });
          else if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `"${id}" is listed twice` });
        }
      })
      .optional(),
    /** zlib level for archives. */
    compressionLevel: z.number().int().min(1).max(9).default(6),
    upload: z
      .object({
        github: z.object({ repo: z.string().optional() }).strict().optional(),
        s3: z
          .object({
            bucket: z.string().optional(),
            region: z.string().optional(),
            prefix: z.string().optional(),
            endpoint: z.string().optional(),
          })
          .strict()
          .optional(),
        local: z.object({ dir: z.string().optional() }).strict().optional(),
      })
      .strict()
      .optional(),
    /** The shell and PowerShell installers, Homebrew formula and Scoop manifest (libs/release/src/installers). */
    installers: z
      .object({
        /** `owner/name` whose GitHub releases the installers download from; default `upload.github.repo`. Without either, no installers are made. */
        repo: githubRepo.optional(),
        description: z.string().min(1).optional(),
        homepage: z.string().url().optional(),
        /** SPDX identifier for the formula and the Scoop manifest. */
        license: z
          .string()
          .regex(/^[A-Za-z0-9.+-]+$/)
          .optional(),
        /** Tap repository that receives the formula once a GitHub release is published, e.g. `owner/homebrew-tap`. */
        homebrew: z
          .object({ tap: githubRepo, path: repoPath.optional(), branch: z.string().min(1).optional() })
          .strict()
          .optional(),
        /** Bucket repository that receives the Scoop manifest once a GitHub release is published. */
        scoop: z
          .object({ bucket: githubRepo, path: repoPath.optional(), branch: z.string().min(1).optional() })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ReleaseProjectConfig = z.infer<typeof ReleaseProjectConfigSchema>;

export interface LoadedReleaseConfig extends ReleaseProjectConfig {
  projectRoot: string;
  resolvedPlatforms: PlatformSpec[];
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue.path.join('.') || '(root)'}: ${issue.message}`;
}

/** Reads and validates a project's release config; every problem is one clear line. */
export function loadReleaseConfig(workspaceRoot: string, projectRoot: string): LoadedReleaseConfig {
  const file = join(projectRoot, RELEASE_CONFIG_FILE);
  const abs = join(workspaceRoot, file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (error) {
    throw new ReleaseError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const raw = parseJsonWithoutDuplicates(text, file);
  const parsed = ReleaseProjectConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ReleaseError(`invalid ${file}: ${firstIssue(parsed.error)}`);
  const resolvedPlatforms = (() => {
    try {
      return selectPlatforms(parsed.data.platforms, readPlatformTable(), parsed.data.name);
    } catch (error) {
      throw new ReleaseError(`invalid ${file}: ${(error as Error).message}`);
    }
  })();
  const tableKeys = readPlatformTable().map((row) => row.key);
  for (const key of Object.keys(parsed.data.nativeExclusions ?? {})) {
    if (!tableKeys.includes(key))
      throw new ReleaseError(`invalid ${file}: nativeExclusions: unknown platform "${key}"; valid platforms: ${tableKeys.join(', ')}`);
  }
  const names = (parsed.data.files ?? []).map((f) => basename(f));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new ReleaseError(`invalid ${file}: files: two files are named ${twice}`);
  if (names.includes(NOTICES_FILE))
    throw new ReleaseError(`invalid ${file}: files: ${NOTICES_FILE} is written by the compile (libs/release/src/sbom); rename the file`);
  if (!existsSync(join(workspaceRoot, projectRoot, parsed.data.entry))) {
    throw new ReleaseError(`invalid ${file}: entry file not found: ${join(projectRoot, parsed.data.entry)}`);
  }
  return { ...parsed.data, projectRoot, resolvedPlatforms };
}
