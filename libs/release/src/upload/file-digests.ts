import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface FileDigests {
  /** Hex. */
  sha256: string;
  /** Base64, as Content-MD5 wants it; only when asked for. */
  md5?: string;
}

/** The sha256 of a file, and its MD5 when asked, from one read of it. */
export async function fileDigests(path: string, options: { md5?: boolean } = {}): Promise<FileDigests> {
  const sha256 = createHash('sha256');
  const md5 = options.md5 ? createHash('md5') : undefined;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    sha256.update(chunk as Buffer);
    md5?.update(chunk as Buffer);
  }
  return { sha256: sha256.digest('hex'), md5: md5?.digest('base64') };
}
