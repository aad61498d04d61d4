import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { actionlint, actionValidator, lintWorkflow, withoutNewerScopes } from './linters';
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

  test("the linters' known gaps are narrow: only macos-15-intel and the attestations scope are let through", async () => {
    const workflow = (label: string, scope: string) =>
      [
        'on: push',
        'permissions:',
        '  contents: read',
        'jobs:',
        '  a:',
        `    runs-on: ${label}`,
        '    permissions:',
        `      ${scope}: write`,
        '    steps:',
        '      - run: echo hi',
        '',
      ].join('\n');
    assert.equal(format(await actionlint(workflow('macos-15-intel', 'attestations'))), '');
    assert.match(format(await actionlint(workflow('macos-15-intell', 'attestations'))), /label "macos-15-intell" is unknown/);
    const dir = mkdtempSync(join(tmpdir(), 'gap-workflow-'));
    try {
      for (const [scope, expected] of [
        ['attestations', ''],
        ['attestation', "Additional property 'attestation' is not allowed"],
      ]) {
        const path = join(dir, `${scope}.yml`);
        const text = workflow('ubuntu-latest', scope);
        writeFileSync(path, text);
        const findings = format(await lintWorkflow(path, text));
        if (expected) assert.ok(findings.includes(expected), findings);
        else assert.equal(findings, '');
      }
      // Without the copy, the schema alone refuses the scope: the gap is real, not assumed.
      const path = join(dir, 'attestations.yml');
      assert.match(format(await actionValidator(path)), /Additional property 'attestations' is not allowed/);
      assert.doesNotMatch(withoutNewerScopes(workflow('ubuntu-latest', 'attestations')), /attestations/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
