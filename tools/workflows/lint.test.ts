import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { actionlint, actionValidator, lintWorkflow } from './linters';
import { readWorkflows } from './workflow-files';

const format = (findings: Awaited<ReturnType<typeof lintWorkflow>>) =>
  findings.map((f) => `${f.linter}${f.line ? `:${f.line}` : ''} ${f.kind ?? ''} ${f.message}`).join('\n');

describe('GitHub workflows pass actionlint and action-validator', () => {
  const workflows = readWorkflows();

  test('the repository has the two workflows', () => {
    assert.deepEqual(
      workflows.map((w) => w.name),
      ['build-and-upload.yml', 'ci.yml'],
    );
  });

  for (const { name, path, text } of workflows) {
    test(`${name}: no findings`, async () => {
      const findings = await lintWorkflow(path, text);
      assert.equal(format(findings), '');
    });
  }

  test('negative control: both linters report a broken workflow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'broken-workflow-'));
    try {
      const broken = [
        'name: broken',
        'on:',
        '  workflow_dispatch:',
        '    inputs:',
        '      version: { required: true, type: string }',
        'jobs:',
        '  build:',
        '    runs-on: ubuntu-latest',
        '    needs: [missing-job]',
        '    steps:',
        '      - uses: actions/checkout@v4',
        '        with:',
        '          fetch-dept: 0',
        '      - run: echo "${{ inputs.versoin }}"',
        '  schema:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - run: echo hi',
        '        timeout: 5',
        '',
      ].join('\n');
      const path = join(dir, 'broken.yml');
      writeFileSync(path, broken);
      const lint = format(await actionlint(broken));
      assert.match(lint, /job "missing-job" which does not exist/);
      assert.match(lint, /input "fetch-dept" is not defined in action "actions\/checkout@v4"/);
      assert.match(lint, /property "versoin" is not defined/);
      const schema = format(await actionValidator(path));
      assert.match(schema, /Additional property 'timeout' is not allowed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
