import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { sha256File } from '../checksums';
import type { ReleaseManifest } from '../manifest';
import { makeTestRelease } from '../testing/release-fixture';
import { formulaClassName, homebrewFormula } from './homebrew';
import { SETTINGS } from '../testing/installer-fixtures';

/**
 * Evaluates a formula with a small stand-in for Homebrew's DSL (Homebrew itself cannot run
 * here): records desc/homepage/version/license, the url and sha256 inside each
 * on_macos/on_linux × on_arm/on_intel block, what `install` installs and what the test runs.
 */
const DSL = `
require 'json'
class Formula
  R = { 'blocks' => {}, 'commands' => [] }
  CTX = []
  class << self
    def desc(v) R['desc'] = v end
    def homepage(v) R['homepage'] = v end
    def version(v) R['version'] = v end
    def license(v) R['license'] = v end
    def url(v) (R['blocks'][CTX.join('/')] ||= {})['url'] = v end
    def sha256(v) (R['blocks'][CTX.join('/')] ||= {})['sha256'] = v end
    %w[on_macos on_linux on_arm on_intel].each do |name|
      define_method(name) { |&block| CTX.push(name); block.call; CTX.pop }
    end
    def test(&block) R['test'] = block end
  end
  class Bin
    def install(*names) R['installed'] = names end
    def install_symlink(target) (R['linked'] ||= []) << target end
    def to_s() '/prefix/bin' end
  end
  class Libexec
    def install(*names) R['libexec'] = names end
    def /(name) "/prefix/libexec/#{name}" end
  end
  def bin() Bin.new end
  def libexec() Libexec.new end
  def version() R['version'] end
  def shell_output(cmd) R['commands'] << cmd; "#{R['version']}\\n" end
  def assert_match(expected, actual) R['asserted'] = [expected, actual] end
end
load ARGV[0]
klass = Object.const_get(ARGV[1])
raise 'not a Formula' unless klass < Formula
formula = klass.new
formula.install
formula.instance_eval(&Formula::R['test'])
puts JSON.generate(Formula::R.reject { |k, _| k == 'test' })
`;

let dir: string;
let releaseDir: string;
let manifest: ReleaseManifest;
let formulaPath: string;

before(async () => {
  ({ releaseDir, manifest } = await makeTestRelease('1.2.3'));
  dir = mkdtempSync(join(tmpdir(), 'formula-'));
  formulaPath = join(dir, 'codebuff.rb');
  writeFileSync(formulaPath, homebrewFormula(manifest, SETTINGS)!);
});

test('ruby -c accepts the formula', () => {
  assert.equal(execFileSync('ruby', ['-c', formulaPath], { encoding: 'utf8' }), 'Syntax OK\n');
});

test("each macOS and Linux block holds that archive's release URL and the sha256 of its bytes", async () => {
  writeFileSync(join(dir, 'dsl.rb'), DSL);
  const evaluated = JSON.parse(execFileSync('ruby', [join(dir, 'dsl.rb'), formulaPath, 'Codebuff'], { encoding: 'utf8' }));
  const expected: Record<string, { url: string; sha256: string }> = {};
  for (const [key, block] of [
    ['darwin-arm64', 'on_macos/on_arm'],
    ['darwin-x64', 'on_macos/on_intel'],
    ['linux-arm64', 'on_linux/on_arm'],
    ['linux-x64', 'on_linux/on_intel'],
  ]) {
    const fileName = `codebuff-${key}.tar.gz`;
    expected[block] = {
      url: `https://github.com/acme/codebuff/releases/download/v1.2.3/${fileName}`,
      sha256: await sha256File(join(releaseDir, fileName)),
    };
  }
  assert.deepEqual(evaluated.blocks, expected, 'no Windows zip, no block outside its OS and arch');
  assert.equal(evaluated.desc, SETTINGS.description, 'quotes and # survive Ruby escaping');
  assert.equal(evaluated.homepage, SETTINGS.homepage);
  assert.equal(evaluated.version, '1.2.3');
  assert.equal(evaluated.license, 'Apache-2.0');
  assert.deepEqual(evaluated.installed, ['codebuff']);
  assert.deepEqual(evaluated.commands, ['/prefix/bin/codebuff --version'], 'the test runs codebuff --version');
  assert.deepEqual(evaluated.asserted, ['1.2.3', '1.2.3\n']);
});

test('a release with only some platforms gets only their blocks; none at all, no formula', () => {
  const linuxOnly = { ...manifest, assets: manifest.assets.filter((a) => a.platform === 'linux-x64') };
  const text = homebrewFormula(linuxOnly, SETTINGS)!;
  assert.doesNotMatch(text, /on_macos|on_arm/);
  assert.match(text, /on_linux do\n {4}on_intel do\n {6}url "[^"]+codebuff-linux-x64\.tar\.gz"/);
  assert.equal(
    homebrewFormula({ ...manifest, assets: manifest.assets.filter((a) => a.platform.startsWith('win32')) }, SETTINGS),
    undefined,
  );
});

test("Homebrew's class names", () => {
  assert.equal(formulaClassName('codebuff'), 'Codebuff');
  assert.equal(formulaClassName('my-tool_x.y'), 'MyToolXY');
});

test('files beside the binary: all go to libexec, the binary is linked into bin', () => {
  const files = [{ name: 'tree-sitter.wasm', size: 1, sha256: 'a'.repeat(64) }];
  const withFiles = { ...manifest, assets: manifest.assets.map((a) => ({ ...a, files })) };
  const path = join(dir, 'with-files.rb');
  writeFileSync(path, homebrewFormula(withFiles, SETTINGS)!);
  writeFileSync(join(dir, 'dsl.rb'), DSL);
  assert.equal(execFileSync('ruby', ['-c', path], { encoding: 'utf8' }), 'Syntax OK\n');
  const evaluated = JSON.parse(execFileSync('ruby', [join(dir, 'dsl.rb'), path, 'Codebuff'], { encoding: 'utf8' }));
  assert.deepEqual(evaluated.libexec, ['codebuff', 'tree-sitter.wasm']);
  assert.deepEqual(evaluated.linked, ['/prefix/libexec/codebuff']);
  assert.equal(evaluated.installed, undefined);
});
