import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sha256File } from '@codebuff/release/checksums';
import type { ReleaseManifest } from '@codebuff/release/manifest';
import { type FileServer, startFileServer } from '../testing/file-server';
import { NOT_READY_HINT, verifyReleaseAssets } from './verify-release';

let root: string;
let server: FileServer;
let manifest: ReleaseManifest;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'verify-test-'));
  const dir = join(root, '2.0.0');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir);
  const assets = [];
  for (const platform of ['linux-x64', 'darwin-arm64', 'win32-x64']) {
    const fileName = `codebuff-${platform}.${platform.startsWith('win32') ? 'zip' : 'tar.gz'}`;
    writeFileSync(join(dir, fileName), `archive for ${platform}`);
    assets.push({
      platform,
      fileName,
      archive: fileName.endsWith('zip') ? ('zip' as const) : ('tar.gz' as const),
      binaryName: 'codebuff',
      size: `archive for ${platform}`.length,
      sha256: await sha256File(join(dir, fileName)),
    });
  }
  manifest = {
    schemaVersion: 1,
    name: 'codebuff',
    version: '2.0.0',
    tag: 'v2.0.0',
    sourceDateEpoch: 1,
    checksumsFile: 'SHA256SUMS',
    assets,
  };
  server = await startFileServer(root);
});

after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const platforms = ['linux-x64', 'darwin-arm64', 'win32-x64'];

test('passes when every asset is there with the manifest size and sha256, fetching each one', async () => {
  const lines: string[] = [];
  const before = server.requests.length;
  await verifyReleaseAssets(manifest, `${server.origin}/redirect/2.0.0`, { platforms, log: (l) => lines.push(l) });
  assert.equal(lines.length, 3);
  assert.equal(
    server.requests.slice(before).filter((r) => r.path.startsWith('/2.0.0/')).length,
    3,
    'the bytes were downloaded, not just HEADed',
  );
});

test('refuses, listing every missing or differing asset', async () => {
  const dir = join(root, '2.0.0');
  rmSync(join(dir, 'codebuff-win32-x64.zip'));
  writeFileSync(join(dir, 'codebuff-darwin-arm64.tar.gz'), 'archive for darwin-arm6X'); // same size
  try {
    await assert.rejects(
      verifyReleaseAssets(manifest, `${server.origin}/2.0.0`, { platforms: [...platforms, 'linux-arm64'] }),
      (error: Error) => {
        assert.match(error.message, /^refusing to publish codebuff 2\.0\.0: /);
        assert.match(error.message, /codebuff-darwin-arm64\.tar\.gz at .* has sha256 [0-9a-f]{64}, the manifest says/);
        assert.match(error.message, /codebuff-win32-x64\.zip is missing at http:\/\/127\.0\.0\.1:\d+\/2\.0\.0\/codebuff-win32-x64\.zip/);
        assert.match(error.message, /the manifest has no asset for linux-arm64/);
        assert.ok(error.message.endsWith(NOT_READY_HINT));
        return true;
      },
    );
    writeFileSync(join(dir, 'codebuff-darwin-arm64.tar.gz'), 'short');
    await assert.rejects(
      verifyReleaseAssets({ ...manifest, assets: manifest.assets.slice(1, 2) }, `${server.origin}/2.0.0`, { platforms: ['darwin-arm64'] }),
      /is 5 bytes, the manifest says 24/,
    );
  } finally {
    writeFileSync(join(dir, 'codebuff-darwin-arm64.tar.gz'), 'archive for darwin-arm64');
    writeFileSync(join(dir, 'codebuff-win32-x64.zip'), 'archive for win32-x64');
  }
});

test("an asset's SBOM is downloaded and checked like the archive: a changed one is refused", async () => {
  const dir = join(root, '2.0.0');
  const text = '{"bomFormat":"CycloneDX","specVersion":"1.6"}\n';
  writeFileSync(join(dir, 'codebuff-linux-x64.cdx.json'), text);
  const sbom = {
    fileName: 'codebuff-linux-x64.cdx.json',
    size: text.length,
    sha256: await sha256File(join(dir, 'codebuff-linux-x64.cdx.json')),
  };
  const withSbom = { ...manifest, assets: manifest.assets.map((a) => (a.platform === 'linux-x64' ? { ...a, sbom } : a)) };
  const lines: string[] = [];
  await verifyReleaseAssets(withSbom, `${server.origin}/2.0.0`, { platforms, log: (l) => lines.push(l) });
  assert.ok(
    lines.some((l) => l.startsWith('ok linux-x64: codebuff-linux-x64.cdx.json ')),
    lines.join('\n'),
  );
  writeFileSync(join(dir, 'codebuff-linux-x64.cdx.json'), text.replace('1.6', '1.5'));
  await assert.rejects(
    verifyReleaseAssets(withSbom, `${server.origin}/2.0.0`, { platforms }),
    /codebuff-linux-x64\.cdx\.json at .* has sha256 [0-9a-f]{64}, the manifest says/,
  );
});
