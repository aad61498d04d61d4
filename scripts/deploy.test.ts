/**
 * The real flow, end to end: a release built by this workspace's Nx graph, uploaded to a real
 * S3 server (s3rver) or laid out in a directory, published with deploy.mjs to a real npm registry
 * (Verdaccio), installed with `npm install -g` into a temp prefix and run. Every server listens on
 * 127.0.0.1; npm, the launcher's cache and Nx all work in temp directories.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { list as listTar } from 'tar';
import { npmCommand } from '@codebuff/npm/deploy/run-tool';
import { releaseFiles, type ReleaseManifest } from '@codebuff/release/manifest';
import { type RunningS3, startS3rver } from '@codebuff/testing/s3rver';
import { type RunningRegistry, startRegistry } from '@codebuff/testing/verdaccio';
import { type CommandResult, type TestWorkspace, copyWorkspace, runCommand, runNx, taskOutcome } from '@codebuff/testing/workspace';

const VERSION = '1.2.3';
const BUCKET = 'releases';
const PREFIX = 'codebuff';
const NOT_READY = 'Make sure all platform binaries are built and uploaded before publishing.';

describe('deploy.mjs and deploy-local.mjs, with a real registry, S3 server and release', {
  skip: process.platform === 'win32' && 'POSIX paths for npm prefixes',
}, () => {
  let ws: TestWorkspace;
  let tmp: string;
  let manifest: ReleaseManifest;
  let releaseDir: string;
  let s3: RunningS3;
  let s3Client: S3Client;
  let registry: RunningRegistry;
  const extraRegistries: RunningRegistry[] = [];

  before(async () => {
    ws = copyWorkspace('deploy-e2e-');
    tmp = mkdtempSync(join(tmpdir(), 'deploy-e2e-tmp-'));
    const built = await runNx(ws.root, ['run', 'codebuff-cli:bundle'], { VERSION });
    assert.equal(built.code, 0, built.output);
    releaseDir = join(ws.root, 'dist', 'release', VERSION);
    manifest = JSON.parse(readFileSync(join(releaseDir, 'manifest.json'), 'utf8')) as ReleaseManifest;
    assert.equal(manifest.assets.length, 5);

    s3 = await startS3rver([BUCKET]);
    s3Client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: s3.credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    // Every file the upload step would send: archives, their SBOMs, installers, SHA256SUMS, manifest.json.
    for (const file of releaseFiles(manifest)) await putFile(file, readFileSync(join(releaseDir, file)));
    registry = await startRegistry();
  });

  after(async () => {
    s3Client?.destroy();
    await s3?.close().catch(() => undefined);
    await registry?.close();
    for (const r of extraRegistries) await r.close();
    ws?.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  function putFile(fileName: string, body: Buffer) {
    return s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/${VERSION}/${fileName}`, Body: body }));
  }

  /** npm and the launcher confined to temp dirs: no ~/.npmrc, no update check, no real cache. */
  function env(home: string, reg: RunningRegistry = registry): NodeJS.ProcessEnv {
    const globalconfig = join(tmp, 'global-npmrc');
    if (!existsSync(globalconfig)) writeFileSync(globalconfig, '');
    const clean: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|https?_proxy$|no_proxy$|all_proxy$|CODEBUFF_)/i.test(k)) clean[k] = v;
    return {
      ...clean,
      npm_config_userconfig: reg.userconfig,
      npm_config_globalconfig: globalconfig,
      npm_config_cache: join(tmp, 'npm-cache'),
      npm_config_registry: reg.url,
      npm_config_update_notifier: 'false',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      CODEBUFF_HOME: home,
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      NX_TUI: 'false',
    };
  }

  const npm = (args: string[], home: string, reg?: RunningRegistry) => {
    const [npmNode, npmPrefix] = npmCommand();
    return runCommand(npmNode, [...npmPrefix, ...args], { cwd: tmp, env: env(home, reg), timeoutMs: 120_000 });
  };
  const script = (name: string, args: string[], home: string, reg?: RunningRegistry) =>
    runCommand(process.execPath, [join(ws.root, 'scripts', name), ...args], { cwd: tmp, env: env(home, reg), timeoutMs: 300_000 });
  const s3Base = () => `${s3.endpoint}/${BUCKET}/${PREFIX}`;
  const fresh = (name: string) => {
    const dir = join(tmp, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const codebuff = (prefix: string, args: string[], home: string) =>
    runCommand(join(prefix, 'bin', 'codebuff'), args, { cwd: tmp, env: env(home), timeoutMs: 60_000 });

  async function packument(reg: RunningRegistry): Promise<{ status: number; body: Record<string, any> }> {
    const response = await fetch(new URL('codebuff', reg.url), { headers: { authorization: `Bearer ${reg.token}` } });
    return { status: response.status, body: response.ok ? ((await response.json()) as Record<string, any>) : {} };
  }

  /** The published tarball's file list and release.json. */
  async function publishedPackage(reg: RunningRegistry): Promise<{ files: string[]; releaseJson: Record<string, any> }> {
    const { body } = await packument(reg);
    const tarball = await fetch(body.versions[VERSION].dist.tarball, { headers: { authorization: `Bearer ${reg.token}` } });
    const path = join(tmp, `published-${Date.now()}.tgz`);
    writeFileSync(path, Buffer.from(await tarball.arrayBuffer()));
    const files: string[] = [];
    let releaseJson = '';
    await listTar({
      file: path,
      onReadEntry: (entry) => {
        files.push(entry.path);
        if (entry.path === 'package/release.json') entry.on('data', (c: Buffer) => (releaseJson += c));
        else entry.resume();
      },
    });
    return { files: files.sort(), releaseJson: JSON.parse(releaseJson) };
  }

  function assertRefused(result: CommandResult, pattern: RegExp) {
    assert.equal(result.code, 1, result.output);
    assert.match(result.stderr, pattern);
    assert.ok(result.stderr.includes(NOT_READY), result.stderr);
  }

  test('deploy refuses when one asset is missing or differs, and publishes nothing', async () => {
    const home = fresh('home-refuse');
    const win = manifest.assets.find((a) => a.platform === 'win32-x64')!;
    await s3Client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/${VERSION}/${win.fileName}` }));
    const missing = await script('deploy.mjs', [VERSION, '--s3-base', s3Base(), '--registry', registry.url], home);
    assertRefused(missing, new RegExp(`codebuff-win32-x64\\.zip is missing at ${s3Base()}/${VERSION}/codebuff-win32-x64\\.zip`));
    await putFile(win.fileName, readFileSync(join(releaseDir, win.fileName)));

    // Same size, one byte changed: only hashing the download can tell.
    const mac = manifest.assets.find((a) => a.platform === 'darwin-arm64')!;
    const tampered = readFileSync(join(releaseDir, mac.fileName));
    tampered[1000] ^= 0xff;
    await putFile(mac.fileName, tampered);
    const differs = await script('deploy.mjs', [VERSION, '--s3-base', s3Base(), '--registry', registry.url], home);
    assertRefused(differs, /codebuff-darwin-arm64\.tar\.gz at .* has sha256 [0-9a-f]{64}, the manifest says/);
    await putFile(mac.fileName, readFileSync(join(releaseDir, mac.fileName)));

    assert.equal((await packument(registry)).status, 404, 'nothing reached the registry');
  });

  test('deploy --dry-run verifies and packs but publishes nothing', async () => {
    const result = await script('deploy.mjs', [VERSION, '--s3-base', s3Base(), '--registry', registry.url, '--dry-run'], fresh('home-dry'));
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /ok win32-x64: codebuff-win32-x64\.zip/);
    assert.match(result.output, /dry run: codebuff@1\.2\.3 verified and packed, not published/);
    assert.equal((await packument(registry)).status, 404);
  });

  test('deploy publishes from S3; npm install -g runs codebuff, downloaded at install or at first run, then offline', async () => {
    const deployed = await script('deploy.mjs', [VERSION, '--s3-base', s3Base(), '--registry', registry.url], fresh('home-deploy'));
    assert.equal(deployed.code, 0, deployed.output);
    const { body } = await packument(registry);
    assert.equal(body['dist-tags'].latest, VERSION);
    const published = await publishedPackage(registry);
    assert.deepEqual(published.files, [
      'package/README.md',
      'package/bin/codebuff.js',
      'package/bin/postinstall.js',
      'package/package.json',
      'package/release.json',
    ]);
    assert.equal(
      published.releaseJson.assetBaseUrl,
      `${s3Base()}/${VERSION}`,
      'the location given on the command line is the one published',
    );
    assert.deepEqual(
      published.releaseJson.assets.map((a: { platform: string; sha256: string }) => [a.platform, a.sha256]),
      manifest.assets.map((a) => [a.platform, a.sha256]),
    );

    // (1) postinstall downloads at install time.
    const prefix1 = fresh('prefix-1');
    const home1 = fresh('home-1');
    const install1 = await npm(['install', '--global', '--prefix', prefix1, 'codebuff'], home1);
    assert.equal(install1.code, 0, install1.output);
    assert.ok(existsSync(join(home1, VERSION, 'install.json')), 'postinstall installed the binary');
    const run1 = await codebuff(prefix1, ['--version'], home1);
    assert.equal(run1.code, 0, run1.output);
    assert.equal(run1.stdout, `${VERSION}\n`);
    assert.equal(run1.stderr, '', 'no download on the first run');

    // (2) install scripts skipped (pnpm, --ignore-scripts): the first run downloads.
    const prefix2 = fresh('prefix-2');
    const home2 = fresh('home-2');
    const install2 = await npm(['install', '--global', '--ignore-scripts', '--prefix', prefix2, 'codebuff'], home2);
    assert.equal(install2.code, 0, install2.output);
    assert.deepEqual(readdirSync(home2), []);
    const run2 = await codebuff(prefix2, ['--version'], home2);
    assert.equal(run2.code, 0, run2.output);
    assert.equal(run2.stdout, `${VERSION}\n`);
    assert.match(
      run2.stderr,
      new RegExp(`downloading codebuff-${process.platform}-${process.arch}\\.tar\\.gz .* from ${s3Base()}/${VERSION}/`),
    );

    // The real binary's exit code comes through the launcher.
    const bad = await codebuff(prefix1, ['--no-such-option'], home1);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown option --no-such-option/);

    // The release location is gone: cached binaries still run.
    await s3.close();
    for (const [prefix, home] of [
      [prefix1, home1],
      [prefix2, home2],
    ]) {
      const offline = await codebuff(prefix, ['--version'], home);
      assert.equal(offline.code, 0, offline.output);
      assert.equal(offline.stdout, `${VERSION}\n`);
    }

    const again = await script('deploy.mjs', [VERSION, '--s3-base', s3Base(), '--registry', registry.url], fresh('home-again'));
    assert.equal(again.code, 1);
    assert.match(again.stderr, /codebuff@1\.2\.3 is already published on http:\/\/127\.0\.0\.1:\d+\/; npm versions cannot be replaced/);
  });

  test('deploy from a file:// release directory; a corrupted asset is refused at install and leaves no binary', async () => {
    const fileRegistry = await startRegistry();
    extraRegistries.push(fileRegistry);
    const files = fresh('file-releases');
    cpSync(releaseDir, join(files, VERSION), { recursive: true });
    const base = pathToFileURL(files).href;
    const deployed = await script(
      'deploy.mjs',
      [VERSION, '--base-url', base, '--registry', fileRegistry.url],
      fresh('home-file-deploy'),
      fileRegistry,
    );
    assert.equal(deployed.code, 0, deployed.output);
    assert.equal((await publishedPackage(fileRegistry)).releaseJson.assetBaseUrl, `${base}/${VERSION}`);

    const prefix = fresh('prefix-file');
    const home = fresh('home-file');
    const install = await npm(['install', '--global', '--prefix', prefix, 'codebuff'], home, fileRegistry);
    assert.equal(install.code, 0, install.output);
    rmSync(join(files, VERSION), { recursive: true });
    const run = await codebuff(prefix, ['--version'], home);
    assert.equal(run.code, 0, run.output);
    assert.equal(run.stdout, `${VERSION}\n`);

    // The directory now serves a different file than the one the package was published with.
    const host = manifest.assets.find((a) => a.platform === `${process.platform}-${process.arch}`)!;
    mkdirSync(join(files, VERSION));
    const corrupted = readFileSync(join(releaseDir, host.fileName));
    corrupted[corrupted.length - 100] ^= 0xff;
    writeFileSync(join(files, VERSION, host.fileName), corrupted);
    const badPrefix = fresh('prefix-corrupt');
    const badHome = fresh('home-corrupt');
    const badInstall = await npm(['install', '--global', '--foreground-scripts', '--prefix', badPrefix, 'codebuff'], badHome, fileRegistry);
    assert.equal(badInstall.code, 0, 'a failed download does not fail npm install');
    assert.match(badInstall.output, /checksum mismatch/);
    const failed = await codebuff(badPrefix, ['--version'], badHome);
    assert.equal(failed.code, 1);
    assert.equal(failed.stdout, '');
    assert.match(
      failed.stderr,
      new RegExp(
        `checksum mismatch for ${host.fileName} from file://.*: sha256 [0-9a-f]{64}, but the release manifest says ${host.sha256}`,
      ),
    );
    assert.match(failed.stderr, /to repair: run `npm rebuild -g codebuff`/);
    assert.deepEqual(readdirSync(join(badHome, VERSION)), [], 'no binary, no stamp, no partial download');

    // The location is fixed; the repair the message names works.
    writeFileSync(join(files, VERSION, host.fileName), readFileSync(join(releaseDir, host.fileName)));
    const rebuilt = await npm(['rebuild', '--global', '--prefix', badPrefix, 'codebuff'], badHome, fileRegistry);
    assert.equal(rebuilt.code, 0, rebuilt.output);
    assert.ok(existsSync(join(badHome, VERSION, 'install.json')), 'npm rebuild ran the postinstall, which installed the binary');
    const repaired = await codebuff(badPrefix, ['--version'], badHome);
    assert.equal(repaired.stdout, `${VERSION}\n`);
    assert.equal(repaired.stderr, '');
  });

  test('deploy-local builds through Nx (from cache here), installs the packed launcher and runs it', async () => {
    const prefix = fresh('prefix-local');
    const home = fresh('home-local');
    const result = await script('deploy-local.mjs', [VERSION, '--prefix', prefix], home);
    assert.equal(result.code, 0, result.output);
    const outcome = taskOutcome(result.output);
    assert.ok(outcome.cached.includes('codebuff-cli:bundle'), result.output);
    assert.ok(!outcome.ran.some((t) => t.startsWith('codebuff-cli:')), `nothing rebuilt: ${outcome.ran.join(', ')}`);
    assert.match(result.stdout, new RegExp(`installed: ${prefix}/bin/codebuff --version → ${VERSION.replace(/\./g, '\\.')}`));
    assert.ok(existsSync(join(ws.root, 'dist', 'npm', `codebuff-${VERSION}.tgz`)));
    const stamp = JSON.parse(readFileSync(join(home, VERSION, 'install.json'), 'utf8'));
    assert.equal(stamp.assetSha256, manifest.assets.find((a) => a.platform === `${process.platform}-${process.arch}`)!.sha256);
    const run = await codebuff(prefix, ['--version'], home);
    assert.equal(run.stdout, `${VERSION}\n`);
  });
});
