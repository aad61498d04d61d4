#!/usr/bin/env node
// Checks one downloaded release asset the way a user would, on the runner it was built for:
// manifest.json names the platform's archive and binary; the archive's sha256 must match both
// SHA256SUMS and the manifest; then it is unpacked and `codebuff --version` and `--info` run.
// Plain Node (no dependencies), so a release-check job needs no `npm ci`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';

const USAGE = `Usage: node tools/workflows/verify-asset.mjs --dir DIR --platform KEY --version VERSION [--any-host]

  --dir        folder holding manifest.json, SHA256SUMS and the platform's archive
  --platform   platform key (process.platform-process.arch), e.g. linux-x64; must be this
               runner's own and the binary's "built for"
  --version    the release version (1.2.3 or v1.2.3) the binary must print
  --any-host   skip the check that this runner is a <platform> machine
`;

class VerifyError extends Error {}

function options(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        dir: { type: 'string' },
        platform: { type: 'string' },
        version: { type: 'string' },
        'any-host': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new VerifyError(`${error.message.split('\n')[0]} (see --help)`);
  }
  if (values.help) return undefined;
  for (const name of ['dir', 'platform', 'version']) if (!values[name]) throw new VerifyError(`--${name} is required (see --help)`);
  const version = values.version.trim().replace(/^v/, '');
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version))
    throw new VerifyError(`invalid --version "${values.version}": expected 1.2.3 or v1.2.3`);
  return { dir: values.dir, platform: values.platform, version, anyHost: values['any-host'] ?? false };
}

/** The manifest's entry for `platform`, checked against the version being released. */
function manifestAsset(dir, platform, version) {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) throw new VerifyError(`manifest.json not found in ${dir}`);
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new VerifyError(`manifest.json is not JSON: ${error.message}`);
  }
  if (manifest.version !== version) throw new VerifyError(`manifest.json is for version ${manifest.version}, expected ${version}`);
  const asset = (manifest.assets ?? []).find((a) => a.platform === platform);
  if (!asset) throw new VerifyError(`manifest.json lists no asset for ${platform}`);
  // Names come from a downloaded file: refuse anything that is not a plain file name.
  for (const name of [asset.fileName, asset.binaryName]) {
    if (typeof name !== 'string' || name === '' || /[/\\]|^\.\.?$/.test(name))
      throw new VerifyError(`manifest.json has an invalid file name for ${platform}`);
  }
  return asset;
}

/** The sha256 SHA256SUMS lists for `asset` (`<hex>  <file>` or `<hex> *<file>`). */
function expectedSha256(dir, asset) {
  const sumsFile = join(dir, 'SHA256SUMS');
  if (!existsSync(sumsFile)) throw new VerifyError(`SHA256SUMS not found in ${dir}`);
  for (const line of readFileSync(sumsFile, 'utf8').split(/\r?\n/)) {
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (match && match[2] === asset) return match[1];
  }
  throw new VerifyError(`SHA256SUMS has no line for ${asset}`);
}

async function sha256(file) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** bsdtar ships with Windows (10 1803+) and reads both .zip and .tar.gz; Git Bash's tar does not. */
function extract(archive, into) {
  const [command, args] =
    process.platform === 'win32'
      ? [join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'tar.exe'), ['-xf', archive, '-C', into]]
      : archive.endsWith('.zip')
        ? ['unzip', ['-q', archive, '-d', into]]
        : ['tar', ['-xzf', archive, '-C', into]];
  try {
    execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new VerifyError(
      `could not unpack ${archive}: ${
        String(error.stderr ?? error.message)
          .trim()
          .split('\n')[0]
      }`,
    );
  }
}

function run(binary, arg) {
  try {
    return execFileSync(binary, [arg], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    throw new VerifyError(
      `${binary} ${arg} failed: ${
        String(error.stderr || error.message)
          .trim()
          .split('\n')[0]
      }`,
    );
  }
}

async function main() {
  const opts = options(process.argv.slice(2));
  if (!opts) return void process.stdout.write(USAGE);
  const host = `${process.platform}-${process.arch}`;
  if (!opts.anyHost && opts.platform !== host)
    throw new VerifyError(`asset for ${opts.platform} checked on a ${host} runner: the matrix maps it to the wrong runner`);
  const asset = manifestAsset(opts.dir, opts.platform, opts.version);
  const archive = join(opts.dir, asset.fileName);
  if (!existsSync(archive)) throw new VerifyError(`${asset.fileName} not found in ${opts.dir}`);
  const listed = expectedSha256(opts.dir, asset.fileName);
  if (listed !== asset.sha256) throw new VerifyError(`SHA256SUMS and manifest.json disagree about ${asset.fileName}`);
  const actual = await sha256(archive);
  if (actual !== listed) throw new VerifyError(`checksum mismatch for ${asset.fileName}: SHA256SUMS says ${listed}, the file is ${actual}`);
  const into = mkdtempSync(join(opts.dir, 'unpacked-'));
  extract(archive, into);
  const binary = join(into, asset.binaryName);
  if (!existsSync(binary)) throw new VerifyError(`${asset.fileName} does not hold ${asset.binaryName} at its root`);
  const printed = run(binary, '--version');
  if (printed !== opts.version) throw new VerifyError(`${asset.binaryName} --version printed "${printed}", expected "${opts.version}"`);
  const builtFor = /^built for: (\S+)/m.exec(run(binary, '--info'))?.[1];
  if (builtFor !== opts.platform)
    throw new VerifyError(`${asset.binaryName} says it was built for ${builtFor ?? 'an unknown platform'}, expected ${opts.platform}`);
  process.stdout.write(
    `verified ${asset.fileName}: sha256 ${actual} matches SHA256SUMS and manifest.json; ${asset.binaryName} --version = ${printed}; built for ${builtFor}; ran on ${host}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`verify-asset: ${error instanceof VerifyError ? error.message : `unexpected error: ${error.message}`}\n`);
  process.exit(1);
});
