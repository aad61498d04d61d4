import { createWriteStream } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { extract as extractTar } from 'tar';
import yauzl from 'yauzl';
import { LauncherError } from './errors';
import type { LauncherAsset } from './release-info';

interface SeenEntry {
  path: string;
  type: string;
}

/**
 * Unpacks a release archive into `intoDir` (an empty staging directory). Release archives hold
 * exactly one file, the binary, at their root; anything else (extra files, folders, links,
 * `../` paths) means this is not our archive, and nothing of it is kept.
 */
export async function unpackBinary(archivePath: string, asset: LauncherAsset, intoDir: string): Promise<string> {
  const seen = asset.archive === 'zip' ? await unpackZip(archivePath, asset.binaryName, intoDir) : await unpackTarGz(archivePath, asset.binaryName, intoDir);
  const only = seen.length === 1 && seen[0].path === asset.binaryName && seen[0].type === 'File';
  if (!only) {
    const listed = seen.map((e) => `${e.path} (${e.type})`).join(', ') || 'nothing';
    throw new LauncherError(`${asset.fileName} should hold only ${asset.binaryName} at its root; it holds ${listed}`, {
      repair: 'the release itself is malformed; report it to the Codebuff maintainers',
    });
  }
  const binary = join(intoDir, asset.binaryName);
  await chmod(binary, 0o755);
  return binary;
}

async function unpackTarGz(archivePath: string, binaryName: string, intoDir: string): Promise<SeenEntry[]> {
  const seen: SeenEntry[] = [];
  await extractTar({
    file: archivePath,
    cwd: intoDir,
    strict: true,
    preserveOwner: false,
    filter: (path, entry) => {
      const type = 'type' in entry ? String(entry.type) : 'File';
      const normalized = path.replace(/^\.\//, '');
      seen.push({ path: normalized, type });
      return normalized === binaryName && type === 'File';
    },
  });
  return seen;
}

async function unpackZip(archivePath: string, binaryName: string, intoDir: string): Promise<SeenEntry[]> {
  const open = promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open);
  const zip = await open(archivePath, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true });
  const seen: SeenEntry[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry: yauzl.Entry) => {
        const isDir = entry.fileName.endsWith('/');
        seen.push({ path: entry.fileName, type: isDir ? 'Directory' : 'File' });
        if (isDir || entry.fileName !== binaryName) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (error, stream) => {
          if (error || !stream) return reject(error ?? new Error('zip entry unreadable'));
          pipeline(stream, createWriteStream(join(intoDir, binaryName), { mode: 0o755 })).then(() => zip.readEntry(), reject);
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return seen;
}
