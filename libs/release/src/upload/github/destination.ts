import { ReleaseError } from '../../errors';
import { releaseFiles, type ReleaseManifest } from '../../manifest';
import type { LocalFile, ProgressSink, RemoteFile, UploadDestination } from '../types';
import { createGitHubClient, type GitHubClient } from './client';
import { gitHubFailure, httpStatus, isAlreadyExists } from './errors';
import { ReplayableFileBody } from './file-body';
import { DEFAULT_API_URL, missingGitHubTokenError, resolveGitHubSettings, type GitHubDestinationOptions } from './options';
import { checkAssetSizes, checkImmutableRelease, checkRateLimit, checkRepository, MAX_ASSET_BYTES } from './preflight';
import { isPrerelease, makeLatest } from './release-policy';
import { findRelease, isPublishedImmutable, listAllReleases, listAssets, toRemoteFile, uploadTarget, type Release } from './releases';

/**
 * GitHub Releases as an upload destination. The release for `manifest.tag` is found (drafts
 * included) or created as a draft on the first upload, so re-runs reuse it; `publish` un-drafts
 * it, and the driver calls that only after every asset is verified by GitHub's sha256 digest.
 */
export function githubDestination(options: GitHubDestinationOptions): UploadDestination {
  const settings = resolveGitHubSettings(options);
  const ref = { owner: settings.owner, repo: settings.repo };
  const fail = (error: unknown, doing: string) => gitHubFailure(error, doing, settings.token);
  const describe = (m: ReleaseManifest) =>
    `GitHub release ${m.tag} of ${settings.fullName}${settings.apiUrl === DEFAULT_API_URL ? '' : ` at ${settings.apiUrl}`}`;

  let client: GitHubClient | undefined;
  const api = (): GitHubClient => {
    if (!settings.token) {
      throw missingGitHubTokenError(settings.fullName);
    }
    client ??= createGitHubClient({ token: settings.token, apiUrl: settings.apiUrl, log: settings.log });
    return client;
  };

  // One lookup per tag, shared by concurrent uploads so the draft is created once.
  const known = new Map<string, Promise<Release | undefined>>();
  const lookup = (m: ReleaseManifest): Promise<Release | undefined> => {
    let found = known.get(m.tag);
    if (!found) {
      found = findRelease(api(), ref, m.tag).catch((error) => {
        known.delete(m.tag);
        throw fail(error, `looking up release ${m.tag} of ${settings.fullName}`);
      });
      known.set(m.tag, found);
    }
    return found;
  };
  const remember = (m: ReleaseManifest, release: Release) => known.set(m.tag, Promise.resolve(release));

  const drafts = new Map<string, Promise<Release>>();
  const releaseForUpload = (m: ReleaseManifest): Promise<Release> => {
    let release = drafts.get(m.tag);
    if (!release) {
      release = lookup(m).then(async (existing) => {
        if (existing) return existing;
        try {
          // A release made here gets GitHub's generated notes; one that exists keeps its body.
          const { data } = await api().rest.repos.createRelease({
            ...ref,
            tag_name: m.tag,
            name: m.tag,
            draft: true,
            prerelease: isPrerelease(m.version, settings.prerelease),
            generate_release_notes: true,
            ...(settings.targetCommitish ? { target_commitish: settings.targetCommitish } : {}),
          });
          remember(m, data);
          return data;
        } catch (error) {
          throw fail(error, `creating draft release ${m.tag} on ${settings.fullName}`);
        }
      });
      release.catch(() => drafts.delete(m.tag));
      drafts.set(m.tag, release);
    }
    return release;
  };

  const refuseImmutable = (m: ReleaseManifest, release: Release, what: string) => {
    if (isPublishedImmutable(release)) {
      throw new ReleaseError(`cannot ${what}: ${describe(m)} is published and immutable; publish a new version instead`);
    }
  };

  const send = async (release: Release, file: LocalFile, progress: ProgressSink) => {
    await api().request({
      method: 'POST',
      url: uploadTarget(release, file.fileName),
      headers: { 'content-type': file.contentType, 'content-length': String(file.size) },
      data: new ReplayableFileBody(file.path, progress),
    });
  };

  /**
   * The upload was refused because the name is taken. Either an earlier attempt did arrive and
   * only its answer was lost (identical: done), or a dropped attempt left a half-made asset
   * (goreleaser#2746: delete it, send once more). Anything else is a real conflict.
   */
  const resolveNameTaken = async (m: ReleaseManifest, release: Release, file: LocalFile, progress: ProgressSink) => {
    const asset = (await listAssets(api(), ref, release.id)).find((a) => a.name === file.fileName);
    const remote = asset && toRemoteFile(asset);
    if (remote?.complete && remote.size === file.size && remote.sha256 === file.sha256) return;
    if (!asset || remote?.complete) throw new ReleaseError(`${file.fileName} already exists on ${describe(m)} with different content`);
    settings.log(`${file.fileName}: removing the half-made asset (state ${asset.state}) a failed attempt left, and uploading again`);
    await api().rest.repos.deleteReleaseAsset({ ...ref, asset_id: asset.id });
    await send(release, file, progress);
  };

  return {
    describe,

    async preflight(m) {
      api();
      checkAssetSizes(m);
      await checkRepository(api(), settings);
      await checkRateLimit(api(), settings, releaseFiles(m).length);
      known.delete(m.tag);
      drafts.delete(m.tag);
      const release = await lookup(m);
      if (release && isPublishedImmutable(release)) await checkImmutableRelease(api(), settings, m, release);
    },

    async list(m) {
      const files = new Map<string, RemoteFile>();
      const release = await lookup(m);
      if (!release) return files;
      try {
        for (const asset of await listAssets(api(), ref, release.id)) files.set(asset.name, toRemoteFile(asset));
      } catch (error) {
        throw fail(error, `listing the assets of ${describe(m)}`);
      }
      return files;
    },

    async remove(m, fileName) {
      const release = await lookup(m);
      if (!release) return;
      refuseImmutable(m, release, `remove ${fileName}`);
      try {
        for (const asset of await listAssets(api(), ref, release.id)) {
          if (asset.name === fileName) await api().rest.repos.deleteReleaseAsset({ ...ref, asset_id: asset.id });
        }
      } catch (error) {
        if (httpStatus(error) === 404) return;
        throw fail(error, `removing ${fileName} from ${describe(m)}`);
      }
    },

    async put(m, file, progress) {
      if (file.size >= MAX_ASSET_BYTES)
        throw new ReleaseError(`${file.fileName} is ${file.size} bytes; GitHub release assets must be under 2 GiB`);
      const release = await releaseForUpload(m);
      refuseImmutable(m, release, `upload ${file.fileName}`);
      const doing = `uploading ${file.fileName} to ${describe(m)}`;
      try {
        await send(release, file, progress);
      } catch (error) {
        if (!isAlreadyExists(error)) throw fail(error, doing);
        try {
          await resolveNameTaken(m, release, file, progress);
        } catch (again) {
          if (isAlreadyExists(again)) {
            throw new ReleaseError(`${doing} failed: the attempt after removing a half-made copy broke off too; run again to resume`);
          }
          throw fail(again, doing);
        }
      }
    },

    async publish(m) {
      const release = await lookup(m);
      if (!release) throw new ReleaseError(`nothing to publish: ${describe(m)} does not exist`);
      const prerelease = isPrerelease(m.version, settings.prerelease);
      if (!release.draft && release.prerelease === prerelease) return;
      try {
        // Decided against the releases as they are now, just before publishing.
        const latest = makeLatest(m.version, settings.prerelease, await listAllReleases(api(), ref));
        const { data } = await api().rest.repos.updateRelease({
          ...ref,
          release_id: release.id,
          draft: false,
          prerelease,
          make_latest: latest.value,
        });
        remember(m, data);
        if (latest.newer) settings.log(`${m.tag} published; Latest stays ${latest.newer}, a higher version`);
      } catch (error) {
        throw fail(error, `publishing ${describe(m)}`);
      }
    },

    async planPublish(m) {
      const release = await lookup(m);
      const prerelease = isPrerelease(m.version, settings.prerelease);
      if (release && !release.draft && release.prerelease === prerelease) return `${describe(m)} is already published; nothing to change`;
      let releases: Release[];
      try {
        releases = await listAllReleases(api(), ref);
      } catch (error) {
        throw fail(error, `listing the releases of ${settings.fullName}`);
      }
      const latest = makeLatest(m.version, settings.prerelease, releases);
      const becomes = prerelease ? 'a prerelease, not Latest' : latest.newer ? `not Latest (${latest.newer} is higher)` : 'Latest';
      const notes = release ? 'its notes as they are' : "GitHub's generated notes";
      return `${release ? 'publish the draft' : 'create and publish'} ${describe(m)} with ${notes}: ${becomes}`;
    },
  };
}
