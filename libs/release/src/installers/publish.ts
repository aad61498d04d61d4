import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gt, valid } from 'semver';
import type { ReleaseProjectConfig } from '../config';
import { ReleaseError } from '../errors';
import type { ReleaseManifest } from '../manifest';
import { createGitHubClient } from '../upload/github/client';
import { gitHubFailure, httpStatus } from '../upload/github/errors';
import { resolveGitHubSettings } from '../upload/github/options';
import type { UploadRequest } from '../upload/request';
import { resolveInstallerSettings } from './settings';
import { sha256Hex } from '../checksums';

/**
 * After a GitHub release is published, the Homebrew formula goes to the tap repository and the
 * Scoop manifest to the bucket repository (both optional, in release.config.json), through the
 * GitHub contents API. Run again, it changes nothing that is already there, and it never moves a
 * tap back to an older version.
 */

/** The token for the tap and bucket: GitHub Actions' own GITHUB_TOKEN cannot write to other repositories. */
export const TAP_TOKEN_ENV = 'CODEBUFF_TAP_TOKEN';

export interface PublishTarget {
  kind: 'homebrew' | 'scoop';
  /** `owner/name` of the tap or bucket. */
  repo: string;
  path: string;
  branch?: string;
  fileName: string;
  sha256: string;
}

export type PublishOutcome = 'created' | 'updated' | 'unchanged' | 'newer-there';

/** Where the manifest's formula and Scoop manifest go, from `installers.homebrew` and `installers.scoop`. */
export function publishTargets(config: Pick<ReleaseProjectConfig, 'installers'>, manifest: ReleaseManifest): PublishTarget[] {
  const targets: PublishTarget[] = [];
  const find = (kind: PublishTarget['kind']) => (manifest.installers ?? []).find((i) => i.kind === kind);
  const brew = config.installers?.homebrew;
  const formula = find('homebrew');
  if (brew && formula)
    targets.push({
      kind: 'homebrew',
      repo: brew.tap,
      path: brew.path ?? `Formula/${formula.fileName}`,
      branch: brew.branch,
      fileName: formula.fileName,
      sha256: formula.sha256,
    });
  const scoop = config.installers?.scoop;
  const scoopFile = find('scoop');
  if (scoop && scoopFile)
    targets.push({
      kind: 'scoop',
      repo: scoop.bucket,
      path: scoop.path ?? `bucket/${scoopFile.fileName}`,
      branch: scoop.branch,
      fileName: scoopFile.fileName,
      sha256: scoopFile.sha256,
    });
  return targets;
}

/** Git's blob id, which the contents API reports as a file's `sha`: equal ids, equal bytes. */
export function gitBlobSha(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** The version a formula or Scoop manifest already in the tap describes, if it says. */
export function versionIn(kind: PublishTarget['kind'], text: string): string | undefined {
  if (kind === 'homebrew') return /^\s*version "([^"]+)"/m.exec(text)?.[1];
  try {
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

export interface PublishOptions {
  /** Default: CODEBUFF_TAP_TOKEN, then GITHUB_TOKEN, then GH_TOKEN. */
  token?: string;
  apiUrl?: string;
  env?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
}

/** Writes each target's file from `releaseDir` into its repository; one line of error on failure, token never shown. */
export async function publishToTaps(
  targets: readonly PublishTarget[],
  manifest: ReleaseManifest,
  releaseDir: string,
  options: PublishOptions = {},
): Promise<Array<{ target: PublishTarget; outcome: PublishOutcome }>> {
  const env = options.env ?? process.env;
  const token = options.token || env[TAP_TOKEN_ENV] || env.GITHUB_TOKEN || env.GH_TOKEN || undefined;
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  if (targets.length > 0 && !token) {
    throw new ReleaseError(
      `publishing to ${targets.map((t) => t.repo).join(' and ')} needs a token with contents: write there: set ${TAP_TOKEN_ENV} (or GITHUB_TOKEN)`,
    );
  }
  // Every file is read and checked before anything is sent.
  const files = new Map<PublishTarget, Buffer>();
  for (const target of targets) {
    const path = join(releaseDir, target.fileName);
    const bytes = await readFile(path).catch(() => undefined);
    if (!bytes || sha256Hex(bytes) !== target.sha256) {
      throw new ReleaseError(`${path} does not match manifest.json; rebuild with the bundle target`);
    }
    files.set(target, bytes);
  }
  const results: Array<{ target: PublishTarget; outcome: PublishOutcome }> = [];
  for (const target of targets) {
    const settings = resolveGitHubSettings({ repo: target.repo, token, apiUrl: options.apiUrl, env, log });
    const client = createGitHubClient({ token: token!, apiUrl: settings.apiUrl, log });
    const where = `${target.fileName} to ${settings.fullName}/${target.path}`;
    const bytes = files.get(target)!;
    try {
      let existing: { sha: string; text: string } | undefined;
      try {
        const { data } = await client.rest.repos.getContent({
          owner: settings.owner,
          repo: settings.repo,
          path: target.path,
          ...(target.branch ? { ref: target.branch } : {}),
        });
        if (Array.isArray(data) || data.type !== 'file') throw new ReleaseError(`cannot publish ${where}: that path is not a file`);
        existing = { sha: data.sha, text: Buffer.from(data.content ?? '', 'base64').toString('utf8') };
      } catch (error) {
        if (httpStatus(error) !== 404) throw error;
      }
      let outcome: PublishOutcome;
      const there = existing && versionIn(target.kind, existing.text);
      if (existing && existing.sha === gitBlobSha(bytes)) {
        outcome = 'unchanged';
      } else if (there && valid(there) && gt(there, manifest.version)) {
        outcome = 'newer-there';
      } else {
        await client.rest.repos.createOrUpdateFileContents({
          owner: settings.owner,
          repo: settings.repo,
          path: target.path,
          message: `${manifest.name} ${manifest.version}`,
          content: bytes.toString('base64'),
          ...(existing ? { sha: existing.sha } : {}),
          ...(target.branch ? { branch: target.branch } : {}),
        });
        outcome = existing ? 'updated' : 'created';
      }
      log(
        outcome === 'newer-there'
          ? `${settings.fullName}/${target.path} already describes ${there}, newer than ${manifest.version}: left alone`
          : `${target.fileName} ${outcome === 'unchanged' ? 'already up to date in' : `${outcome} in`} ${settings.fullName}/${target.path}`,
      );
      results.push({ target, outcome });
    } catch (error) {
      throw gitHubFailure(error, `publishing ${where}`, token);
    }
  }
  return results;
}

/**
 * The upload's last step: once the GitHub release the formula and Scoop manifest download from
 * is published, put them into the tap and bucket. Any other upload leaves them alone and says why.
 */
export async function publishInstallersAfterUpload(args: {
  config: Pick<ReleaseProjectConfig, 'name' | 'installers' | 'upload'>;
  request: UploadRequest;
  published: boolean;
  manifest: ReleaseManifest;
  releaseDir: string;
  options?: PublishOptions;
}): Promise<void> {
  const targets = publishTargets(args.config, args.manifest);
  if (targets.length === 0) return;
  const log = args.options?.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const what = targets.map((t) => `${t.repo}/${t.path}`).join(', ');
  const downloadsFrom = resolveInstallerSettings(args.config)?.repo;
  if (args.request.destination !== 'github') return log(`${what} not updated: they are updated after a GitHub release is published`);
  if (!args.published) return log(`${what} not updated: the release is not published yet`);
  if (downloadsFrom?.toLowerCase() !== args.request.repo.toLowerCase()) {
    return log(`${what} not updated: the installers download from ${downloadsFrom}, but this release went to ${args.request.repo}`);
  }
  await publishToTaps(targets, args.manifest, args.releaseDir, { ...args.options, log });
}
