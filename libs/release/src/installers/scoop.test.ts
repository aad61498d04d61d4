import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { sha256File } from '../checksums';
import { makeTestRelease } from '../testing/release-fixture';
import { scoopManifest } from './scoop';
import { SETTINGS } from '../testing/installer-fixtures';

/**
 * What Scoop's manifest schema (schema.json in ScoopInstaller/Scoop) asks of the fields we
 * write, restated: version pattern; url a URI without `$`; hash a 64-hex sha256; bin a
 * string; checkver.github a URI; autoupdate URLs URIs (variables allowed) and a hash
 * extraction whose url starts with $url/$baseurl. No top-level key Scoop does not know.
 */
const uri = z.string().refine((s) => URL.canParse(s), 'a URI');
const ScoopManifest = z
  .object({
    version: z.string().regex(/^[\w\-.+_]+$/),
    description: z.string(),
    homepage: uri,
    license: z.string().optional(),
    architecture: z.partialRecord(
      z.enum(['32bit', '64bit', 'arm64']),
      z.object({ url: uri.refine((s) => !s.includes('$')), hash: z.string().regex(/^[a-fA-F0-9]{64}$/) }).strict(),
    ),
    bin: z.string(),
    checkver: z.object({ github: uri }).strict(),
    autoupdate: z
      .object({
        architecture: z.partialRecord(z.enum(['32bit', '64bit', 'arm64']), z.object({ url: uri }).strict()),
        hash: z.object({ url: z.string().regex(/^.*(\$url|\$baseurl).*$/), regex: z.string() }).strict(),
      })
      .strict(),
  })
  .strict();

test("the Scoop manifest: Scoop's required fields, the zip's URL and sha256, checkver and autoupdate that reproduce them", async () => {
  const { releaseDir, manifest } = await makeTestRelease('1.2.3');
  const json = ScoopManifest.parse(JSON.parse(scoopManifest(manifest, SETTINGS)!));
  const zip = 'codebuff-win32-x64.zip';
  assert.equal(json.version, '1.2.3');
  assert.deepEqual(Object.keys(json.architecture), ['64bit'], 'only Windows zips');
  assert.equal(json.architecture['64bit']!.url, `https://github.com/acme/codebuff/releases/download/v1.2.3/${zip}`);
  assert.equal(json.architecture['64bit']!.hash, await sha256File(join(releaseDir, zip)), "the zip's own sha256");
  assert.equal(json.bin, 'codebuff.exe');
  assert.equal(json.checkver.github, 'https://github.com/acme/codebuff');
  // Scoop substitutes $version into the autoupdate URL: for this version it must give this URL back.
  assert.equal(json.autoupdate.architecture['64bit']!.url.replaceAll('$version', json.version), json.architecture['64bit']!.url);
  // ...and finds the hash in the release's SHA256SUMS ($baseurl = the URL's directory) with the regex.
  assert.equal(json.autoupdate.hash.url, '$baseurl/SHA256SUMS');
  const regex = new RegExp(
    json.autoupdate.hash.regex.replace('$sha256', '([a-fA-F0-9]{64})').replace('$basename', zip.replace(/\./g, '\\.')),
  );
  assert.equal(regex.exec(readFileSync(join(releaseDir, 'SHA256SUMS'), 'utf8'))?.[1], json.architecture['64bit']!.hash);
});

test('no Windows zip in the release: no Scoop manifest', async () => {
  const { manifest } = await makeTestRelease('1.2.3');
  assert.equal(scoopManifest({ ...manifest, assets: manifest.assets.filter((a) => !a.platform.startsWith('win32')) }, SETTINGS), undefined);
});
