import { createWriteStream } from 'node:fs';
import { chmod, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { extract as extractTar } from 'tar';
import yauzl from 'yauzl';
import { sha256File } from '@codebuff/release/checksums';
import { LauncherError } from './errors';
import { headerProblem, readHead } from './executable-header';
import type { LauncherAsset } from './release-info';

interface SeenEntry {
  path: string;
  type: string;
}

/**
 * Unpacks a release archive into `intoDir` (an empty staging directory). Release archives hold
 * the binary and the files the manifest lists beside it, at their root, and nothing else; anything
 * else (other files, folders, links, `../` paths), or a sibling whose sha256 is not the
 * manifest's, means this is not our archive, and nothing of it is kept.
 */
export async function unpackBinary(archivePath: string, asset: LauncherAsset, intoDir: string): Promise<string> {
  const expected = [asset.binaryName, ...(asset.files ?? []).map((f) => f.name)];
  const seen =
    asset.archive === 'zip' ? await unpackZip(archivePath, expected, intoDir) : await unpackTarGz(archivePath, expected, intoDir);
  const exact = seen.length === expected.length && seen.every((e, i) => e.path === expected[i] && e.type === 'File');
  if (!exact) {
    const listed = seen.map((e) => `${e.path} (${e.type})`).join(', ') || 'nothing';
    throw new LauncherError(`${asset.fileName} should hold exactly ${expected.join(', ')} at its root; it holds ${listed}`, {
      repair: 'the release itself is malformed; report it to the Codebuff maintainers',
    });
  }
  for (const file of asset.files ?? []) {
    const actual = await sha256File(join(intoDir, file.name));
    if (actual !== file.sha256) {
      throw new LauncherError(`${file.name} in ${asset.fileName} has sha256 ${actual}, but the release manifest says ${file.sha256}`, {
        repair: 'the release itself is malformed; report it to the Codebuff maintainers',
      });
    }
  }
  const binary = join(intoDir, asset.binaryName);
  await checkExecutable(binary, asset);
  await chmod(binary, 0o755);
  return binary;
}

/**
 * A binary is installed only if it is non-empty and starts with its platform's executable header
 * for its CPU (ELF, Mach-O, PE): a zip link stored as text, an error page or another platform's
 * binary would otherwise install and then fail in a way that points nowhere.
 */
async function checkExecutable(binary: string, asset: LauncherAsset): Promise<void> {
  const problem = (await stat(binary)).size === 0 ? 'it is empty' : headerProblem(await readHead(binary), asset.platform);
  if (problem) {
    throw new LauncherError(`${asset.binaryName} in ${asset.fileName} cannot run on ${asset.platform}: ${problem}; nothing was installed`, {
      repair: 'the release itself is malformed; report it to the Codebuff maintainers',
    });
  }
}

async function unpackTarGz(archivePath: string, names: readonly string[], intoDir: string): Promise<SeenEntry[]> {
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
      return names.includes(normalized) && type === 'File';
    },
  });
  return seen;
}

async function unpackZip(archivePath: string, names: readonly string[], intoDir: string): Promise<SeenEntry[]> {
  const open = promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open);
  const zip = await open(archivePath, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true });
  const seen: SeenEntry[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry: yauzl.Entry) => {
        const isDir = entry.fileName.endsWith('/');
        // Unix file type in the upper half of the external attributes: a link is 0o120000. yauzl
        // would write its target's text as a regular file, so a link must never count as one.
        const unixType = (entry.externalFileAttributes >>> 16) & 0o170000;
        const type = isDir ? 'Directory' : unixType === 0o120000 ? 'SymbolicLink' : 'File';
        seen.push({ path: entry.fileName, type });
        if (type !== 'File' || !names.includes(entry.fileName) || seen.filter((e) => e.path === entry.fileName).length > 1) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (error, stream) => {
          if (error || !stream) return reject(error ?? new Error('zip entry unreadable'));
          const mode = entry.fileName === names[0] ? 0o755 : 0o644;
          pipeline(stream, createWriteStream(join(intoDir, entry.fileName), { mode })).then(() => zip.readEntry(), reject);
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return seen;
}
