import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { WORKSPACE_ROOT } from '@codebuff/testing/workspace';
import { DEFAULT_ALLOWED_LICENSES } from './allow-list';
import type { BundledPackage } from './binary-contents';
import { declaredLicense } from './binary-contents';
import { checkLicenses } from './license-gate';

const WHERE = { task: 'codebuff-cli:compile-linux-x64', configFile: 'apps/codebuff-cli/release.config.json' };
const pkg = (name: string, license: string | undefined): BundledPackage => ({
  name,
  version: '1.0.0',
  lockKey: `node_modules/${name}`,
  dir: join(WORKSPACE_ROOT, 'node_modules', name),
  license,
  dependsOn: [],
});
const refusal = (packages: BundledPackage[], allowed: readonly string[] = DEFAULT_ALLOWED_LICENSES) => {
  try {
    checkLicenses(packages, allowed, WHERE);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
};

test('expressions are evaluated, not string-matched: OR needs one allowed license, AND needs all, + ranges and WITH work', () => {
  assert.equal(refusal([pkg('a', '(MIT OR GPL-3.0-only)'), pkg('b', 'Apache-2.0 AND MIT'), pkg('c', 'BSD-3-Clause')]), undefined);
  assert.equal(refusal([pkg('d', 'GPL-3.0-only')], ['GPL-2.0+']), undefined);
  assert.equal(refusal([pkg('e', 'GPL-2.0-only WITH Classpath-exception-2.0')], ['GPL-2.0-only WITH Classpath-exception-2.0']), undefined);
  assert.equal(
    refusal([pkg('mixed', 'MIT AND GPL-3.0-only')]),
    'codebuff-cli:compile-linux-x64: the binary would bundle mixed@1.0.0, licensed MIT AND GPL-3.0-only, which is not allowed; add it to allowedLicenses in apps/codebuff-cli/release.config.json if it may ship, or remove the package',
  );
  // A string match on "MIT" would let this one through.
  assert.match(refusal([pkg('lookalike', 'MIT-0')]) ?? '', /lookalike@1\.0\.0, licensed MIT-0, which is not allowed/);
});

test('a missing license and an unparseable one are refused with one line naming the package', () => {
  const none = refusal([pkg('ok', 'MIT'), pkg('nolicense', undefined)]) ?? '';
  assert.match(
    none,
    /^codebuff-cli:compile-linux-x64: the binary would bundle nolicense@1\.0\.0, whose package\.json declares no license;/,
  );
  const bad = refusal([pkg('odd', 'SEE LICENSE IN LICENSE.txt')]) ?? '';
  assert.match(
    bad,
    /the binary would bundle odd@1\.0\.0, whose license "SEE LICENSE IN LICENSE\.txt" is not an SPDX expression, so it cannot be checked against allowedLicenses in apps\/codebuff-cli\/release\.config\.json/,
  );
  for (const message of [none, bad]) assert.equal(message.includes('\n'), false);
});

test("declared licenses as package.json writes them: a string, npm's deprecated object and array forms, none", () => {
  assert.equal(declaredLicense({ license: ' MIT ' }), 'MIT');
  assert.equal(declaredLicense({ license: { type: 'ISC' } }), 'ISC');
  assert.equal(declaredLicense({ licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] }), '(MIT OR Apache-2.0)');
  assert.equal(declaredLicense({ licenses: [{ type: 'MIT' }] }), 'MIT');
  assert.equal(declaredLicense({ license: '' }), undefined);
  assert.equal(declaredLicense({}), undefined);
});
