import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeProject } from './project-summary';

test('counts visible entries and names the project marker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'summary-'));
  writeFileSync(join(dir, 'package.json'), '{}');
  writeFileSync(join(dir, '.hidden'), '');
  assert.equal(describeProject(dir), `${dir}: 1 entries, package.json found`);
  assert.equal(describeProject(join(dir, 'missing')), `not a directory: ${join(dir, 'missing')}`);
});
