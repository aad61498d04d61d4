import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cacheTokenViolations, injectionViolations, permissionViolations, pinViolations, secretsUsed } from './policy';
import { parseWorkflow, readWorkflows, type WorkflowFile } from './workflow-files';

const workflows = new Map(readWorkflows().map((w) => [w.name, w]));
const release = workflows.get('build-and-upload.yml') as WorkflowFile;
const ci = workflows.get('ci.yml') as WorkflowFile;
const WRITE_ENVIRONMENT = 'nx-cache-writer';

describe('workflow rules: least privilege, pinned actions, secrets only through env', () => {
  test('permissions: contents: read everywhere, write only where a release is changed', () => {
    assert.deepEqual(permissionViolations(release.workflow, ['build', 'check', 'publish']), []);
    assert.deepEqual(permissionViolations(ci.workflow, []), []);
  });

  test('actions pinned to a major version; checkout and setup-node as agreed', () => {
    for (const { workflow } of workflows.values()) {
      assert.deepEqual(pinViolations(workflow), []);
      for (const job of Object.values(workflow.jobs)) {
        const steps = job.steps ?? [];
        for (const step of steps.filter((s) => s.uses?.startsWith('actions/checkout@'))) assert.equal(step.uses, 'actions/checkout@v4');
        for (const step of steps.filter((s) => s.uses?.startsWith('actions/setup-node@'))) {
          assert.equal(step.uses, 'actions/setup-node@v4');
          assert.equal(step.with?.['node-version'], 20);
          // Jobs that install from the lockfile cache npm's downloads.
          if (steps.some((s) => s.run === 'npm ci')) assert.equal(step.with?.cache, 'npm');
        }
      }
    }
  });

  test('no secret, event payload or input is interpolated into a shell script', () => {
    for (const { workflow } of workflows.values()) assert.deepEqual(injectionViolations(workflow), []);
    assert.deepEqual(secretsUsed(release.text), ['CODEBUFF_S3_ACCESS_KEY_ID', 'CODEBUFF_S3_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'NX_CACHE_READ_WRITE_TOKEN']);
    assert.deepEqual(secretsUsed(ci.text), ['NX_CACHE_READ_TOKEN', 'NX_CACHE_READ_WRITE_TOKEN']);
  });

  test('the cache write token: only in the protected environment, never for pull requests', () => {
    assert.deepEqual(cacheTokenViolations(ci.workflow, WRITE_ENVIRONMENT), []);
    assert.deepEqual(cacheTokenViolations(release.workflow, WRITE_ENVIRONMENT), []);
    assert.equal(ci.workflow.jobs.untrusted.env?.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN, '${{ secrets.NX_CACHE_READ_TOKEN }}');
    assert.match(String(ci.workflow.jobs.untrusted.if), /github\.event_name == 'pull_request'/);
  });

  test('release: triggers, one run per version at a time, checks on five native runners before publishing', () => {
    assert.deepEqual(release.workflow.on.release, { types: ['created'] });
    assert.deepEqual(release.workflow.on.workflow_dispatch, { inputs: { version: { description: (release.workflow.on.workflow_dispatch as { inputs: { version: { description: string } } }).inputs.version.description, required: true, type: 'string' } } });
    assert.match(release.workflow.concurrency!.group, /^build-and-upload-\$\{\{ github\.event\.release\.tag_name \|\| .*inputs\.version/);
    assert.equal(release.workflow.concurrency!['cancel-in-progress'], false);
    const matrix = (release.workflow.jobs.check as { strategy: { matrix: { include: Array<{ platform: string; runner: string }> } } }).strategy.matrix.include;
    assert.deepEqual(
      Object.fromEntries(matrix.map((m) => [m.platform, m.runner])),
      { 'linux-x64': 'ubuntu-latest', 'linux-arm64': 'ubuntu-24.04-arm', 'darwin-x64': 'macos-13', 'darwin-arm64': 'macos-latest', 'win32-x64': 'windows-latest' },
    );
    assert.deepEqual(release.workflow.jobs.publish.needs, ['build', 'check']);
    const runs = (job: string) => (release.workflow.jobs[job].steps ?? []).map((s) => s.run ?? '').join('\n');
    assert.match(runs('build'), /npx nx run codebuff-cli:upload --target=github --draft/);
    assert.doesNotMatch(runs('publish'), /--draft/);
  });

  test('ci: pull requests and pushes, fetch-depth 0 for nx affected', () => {
    assert.deepEqual(Object.keys(ci.workflow.on).sort(), ['pull_request', 'push']);
    for (const job of Object.values(ci.workflow.jobs)) {
      const checkout = (job.steps ?? []).find((s) => s.uses?.startsWith('actions/checkout@'));
      assert.equal(checkout?.with?.['fetch-depth'], 0);
      assert.ok((job.steps ?? []).some((s) => s.run === 'npm ci'));
    }
  });

  test('negative control: a workflow breaking each rule is reported for each', () => {
    const broken = parseWorkflow(
      [
        'on: [push, pull_request]',
        'permissions: write-all',
        'jobs:',
        '  build:',
        '    runs-on: ubuntu-latest',
        '    permissions: { contents: write, packages: write }',
        '    env:',
        '      NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: ${{ secrets.NX_CACHE_READ_WRITE_TOKEN }}',
        '    steps:',
        '      - uses: actions/checkout@main',
        '      - run: echo "${{ github.event.pull_request.title }}" && curl -H "token ${{ secrets.X }}" x',
      ].join('\n'),
    );
    assert.equal(permissionViolations(broken, []).length, 3);
    assert.deepEqual(pinViolations(broken), ['job build: actions/checkout@main is not pinned to a version']);
    assert.equal(injectionViolations(broken).length, 2);
    assert.equal(cacheTokenViolations(broken, WRITE_ENVIRONMENT).length, 2);
  });
});
