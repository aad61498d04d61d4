import type { IncomingMessage } from 'node:http';
import { alreadyExists, drain, error, notFound, type Reply } from './http';
import { assetJson, newId, now, type Origins, type StoredAsset, type StoredRepo } from './state';

/** Faults of the upload origin; each counter is used up as it fires. */
export interface UploadFaults {
  /**
   * Answer the next `count` uploads with `status` (default 500) after reading the body. With
   * `leaveHalfAsset`, the asset stays behind in state `starter`, as a 502 from GitHub can leave it.
   */
  failUploads?: { count: number; status?: 500 | 502; leaveHalfAsset?: boolean };
  /** Cut the connection of the next `count` uploads after `afterBytes` (default: half the body), leaving a `starter` asset. */
  dropUploads?: { count: number; afterBytes?: number };
}

export interface UploadContext {
  origins: Origins;
  repo: StoredRepo;
  params: Record<string, string>;
  query: URLSearchParams;
  faults: UploadFaults;
  /** Adds to the server's count of asset bytes received. */
  received(bytes: number): void;
}

/** What GitHub's upload endpoint does: one asset per name, bytes streamed in, digest from the bytes. */
export async function uploadReleaseAsset(ctx: UploadContext, req: IncomingMessage): Promise<Reply | 'dropped'> {
  const release = ctx.repo.releases.find((r) => r.id === Number(ctx.params.release_id));
  const name = ctx.query.get('name') ?? '';
  // Both headers were checked by the server before this runs.
  const contentType = req.headers['content-type'];
  const length = Number(req.headers['content-length']);
  if (!release) return drain(req).then(notFound);
  if (release.immutable) return drain(req).then(() => error(422, 'Cannot upload assets to an immutable release'));
  if (release.assets.some((a) => a.name === name)) return drain(req).then(() => alreadyExists('ReleaseAsset', 'name'));

  const asset: StoredAsset = {
    id: newId(),
    name,
    label: ctx.query.get('label'),
    contentType: contentType ?? '',
    state: 'starter',
    bytes: Buffer.alloc(0),
    createdAt: now(),
    updatedAt: now(),
  };

  const fail = ctx.faults.failUploads;
  if (fail && fail.count > 0) {
    fail.count--;
    if (fail.leaveHalfAsset) release.assets.push(asset);
    await drain(req);
    return error(fail.status ?? 500, fail.status === 502 ? 'Bad Gateway' : 'Server Error');
  }

  release.assets.push(asset);
  const drop = ctx.faults.dropUploads;
  const dropping = drop !== undefined && drop.count > 0;
  if (dropping) drop.count--;
  const dropAfter = dropping ? (drop.afterBytes ?? Math.floor(length / 2)) : Infinity;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      ctx.received((chunk as Buffer).length);
      if (size >= dropAfter) {
        asset.bytes = Buffer.concat(chunks);
        req.socket.destroy();
        return 'dropped';
      }
    }
  } catch {
    // The client went away mid-body: the asset stays a `starter`, as on GitHub.
    asset.bytes = Buffer.concat(chunks);
    return 'dropped';
  }
  asset.bytes = Buffer.concat(chunks);
  if (size !== length) return error(400, `body had ${size} bytes, Content-Length said ${length}`);
  asset.state = 'uploaded';
  asset.updatedAt = now();
  return { status: 201, body: assetJson(ctx.origins, ctx.repo, release, asset) };
}
