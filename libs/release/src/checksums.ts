import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** The sha256 of bytes or text already in memory, as lowercase hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk);
  return hash.digest('hex');
}

export interface ChecksumEntry {
  fileName: string;
  sha256: string;
}

/** GoReleaser's layout: `<sha256>  <file>` sorted by file name; `sha256sum -c` accepts it. */
export function formatSha256Sums(entries: readonly ChecksumEntry[]): string {
  return [...entries]
    .sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0))
    .map((e) => `${e.sha256}  ${e.fileName}\n`)
    .join('');
}

/** Reads both `<sha>  <file>` and cargo-dist's binary-mode `<sha> *<file>`. */
export function parseSha256Sums(text: string): ChecksumEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
      if (!match) throw new Error(`malformed SHA256SUMS line: ${line}`);
      return { sha256: match[1], fileName: match[2] };
    });
}
