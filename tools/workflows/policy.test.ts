import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { WORKSPACE_ROOT } from '@codebuff/testing/workspace';
import {
  cacheTokenViolations,
  injectionViolations,
  nodeVersionViolations,
  permissionViolations,
  pinViolations,
  runnerLabels,
  runnerViolations,
  secretsUsed,
} from './policy';
import { npmPublishViolations, provenanceViolations } from './provenance-rules';
import { NODE_END_OF_LIFE, RUNNER_RETIREMENTS } from './support-dates';
import { assetName, readPlatformTable } from '@codebuff/release/platforms';
import { sbomFileName } from '@codebuff/release/sbom/file-names';
import { parseWorkflow, readWorkflows, type WorkflowFile } from './workflow-files';

const workflows = new Map(readWorkflows().map((w) => [w.name, w]));
const release = workflows.get('build-and-upload.yml') as WorkflowFile;
const ci = workflows.get('ci.yml') as WorkflowFile;
const WRITE_ENVIRONMENT = 'nx-cache-writer';

/** The agreed pins (the actions' own release tags, read from their repositories); dependabot moves them. */
const PINS: Record<string, string> = {
  'actions/checkout': '3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1',
  'actions/setup-node': '820762786026740c76f36085b0efc47a31fe5020 # v7.0.0',
  'actions/upload-artifact': 'bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0',
  'actions/download-artifact': '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1',
  'actions/attest-build-provenance': 'a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32 # v4.1.0',
  'actions/attest-sbom': 'c604332985a26aa8cf1bdc465b92731239ec6b9e # v4.1.0',
};

const RELEASE_WRITES = { build: ['contents', 'id-token', 'attestations'], check: ['contents'], publish: ['contents'], npm: ['id-token'] };
const stepsOf = (job: string) => release.workflow.jobs[job].steps ?? [];
const runs = (job: string) =>
  stepsOf(job)
    .map((s) => s.run ?? '')
    .join('\n');

describe('workflow rules: least privilege, pinned actions, current runners and Node, provenance', () => {
  test('permissions: contents: read everywhere; each write scope only in the job that needs it', () => {
    assert.deepEqual(permissionViolations(release.workflow, RELEASE_WRITES), []);
    assert.deepEqual(permissionViolations(ci.workflow, {}), []);
  });

  test('every action pinned to a full commit SHA with its version in a comment, the same pin everywhere', () => {
    for (const { text } of workflows.values()) assert.deepEqual(pinViolations(text), []);
    const seen = [...workflows.values()].flatMap(({ text }) =>
      [...text.matchAll(/uses: ([^@\s]+)@(.+)$/gm)].map((m) => [m[1], m[2].trim()]),
    );
    assert.ok(seen.length >= 10, `found only ${seen.length} uses: lines`);
    for (const [action, pin] of seen) assert.equal(pin, PINS[action], `${action}@${pin}`);
  });

  test('runners: no retired image; the five platforms on their own current runners', () => {
    for (const { workflow } of workflows.values()) assert.deepEqual(runnerViolations(workflow), []);
    const matrix = (release.workflow.jobs.check as { strategy: { matrix: { include: Array<{ platform: string; runner: string }> } } })
      .strategy.matrix.include;
    assert.deepEqual(Object.fromEntries(matrix.map((m) => [m.platform, m.runner])), {
      'linux-x64': 'ubuntu-latest',
      'linux-arm64': 'ubuntu-24.04-arm',
      'darwin-x64': 'macos-15-intel',
      'darwin-arm64': 'macos-15',
      'win32-x64': 'windows-latest',
    });
    assert.deepEqual(runnerLabels(release.workflow.jobs.check), [
      'ubuntu-latest',
      'ubuntu-24.04-arm',
      'macos-15-intel',
      'macos-15',
      'windows-latest',
    ]);
  });

  test('Node: every setup-node asks for a supported line (24), and jobs that npm ci cache npm', () => {
    for (const { workflow } of workflows.values()) {
      assert.deepEqual(nodeVersionViolations(workflow), []);
      for (const job of Object.values(workflow.jobs)) {
        const steps = job.steps ?? [];
        for (const step of steps.filter((s) => s.uses?.startsWith('actions/setup-node@'))) {
          assert.equal(step.with?.['node-version'], 24);
          if (steps.some((s) => s.run === 'npm ci')) assert.equal(step.with?.cache, 'npm');
        }
      }
    }
  });

  test('provenance: the build job attests every release file; each check verifies its files before trusting them', () => {
    assert.deepEqual(provenanceViolations(release.workflow), []);
    const build = stepsOf('build');
    const at = (pattern: RegExp) => build.findIndex((s) => pattern.test(s.run ?? s.uses ?? ''));
    const attest = build[at(/^actions\/attest-build-provenance@/)];
    assert.equal(attest.with?.['subject-path'], 'dist/release/${{ steps.version.outputs.version }}/*');
    assert.ok(
      at(/codebuff-cli:bundle$/) < at(/attest-build-provenance/) && at(/attest-build-provenance/) < at(/--target=github --draft/),
      'build, attest, then upload',
    );
    // Attesting is the build job's alone.
    for (const [name, job] of Object.entries(release.workflow.jobs)) {
      if (name !== 'build') assert.equal((job.permissions as Record<string, string>)?.attestations === 'write', false, name);
    }
    assert.match(
      runs('check'),
      /gh attestation verify release-check\/codebuff-"\$PLATFORM"\.\* --repo "\$GITHUB_REPOSITORY" --signer-workflow "\$signer"/,
    );
    for (const file of ['manifest.json', 'SHA256SUMS'])
      assert.match(runs('check'), new RegExp(`gh attestation verify release-check/${file} `));
  });

  test("SBOMs: the build job attests each platform's SBOM to its archive, after the build and before the upload; each check verifies it", () => {
    const build = stepsOf('build');
    const at = (pattern: RegExp) => build.findIndex((s) => pattern.test(s.run ?? s.uses ?? ''));
    const dir = 'dist/release/${{ steps.version.outputs.version }}';
    const sboms = build.flatMap((s, i) => (/^actions\/attest-sbom@/.test(s.uses ?? '') ? [{ i, with: s.with }] : []));
    const expected = readPlatformTable().map((row) => ({
      'subject-path': `${dir}/${assetName(row)}`,
      'sbom-path': `${dir}/${sbomFileName('codebuff', row.key)}`,
    }));
    assert.deepEqual(
      sboms.map((s) => s.with),
      expected,
      'one step per platform of the table, naming its archive and its SBOM',
    );
    for (const { i } of sboms) assert.ok(at(/codebuff-cli:bundle$/) < i && i < at(/--target=github --draft/), 'build, attest, then upload');
    assert.match(
      runs('check'),
      /gh attestation verify "\$archive" --repo "\$GITHUB_REPOSITORY" --signer-workflow "\$signer" --predicate-type https:\/\/cyclonedx\.org\/bom/,
    );
    // The rule that an attesting job holds id-token and attestations: write covers this action too.
    const sbomOnly = build.filter((s) => /^actions\/attest-sbom@/.test(s.uses ?? ''));
    const unprivileged = {
      ...release.workflow,
      jobs: { build: { ...release.workflow.jobs.build, steps: sbomOnly, permissions: { contents: 'write' } } },
    };
    assert.ok(provenanceViolations(unprivileged).includes('job build: attests without id-token: write'));
  });

  test('npm: the launcher is published after the release, by trusted publishing, through deploy.mjs', () => {
    assert.deepEqual(npmPublishViolations(release.workflow), []);
    const npm = release.workflow.jobs.npm;
    assert.deepEqual(npm.needs, ['build', 'publish']);
    assert.deepEqual(npm.permissions, { contents: 'read', 'id-token': 'write' });
    assert.match(runs('npm'), /^node scripts\/deploy\.mjs "\$VERSION" --github "\$GITHUB_REPOSITORY"$/m);
    assert.doesNotMatch(release.text, /NPM_TOKEN|NODE_AUTH_TOKEN/);
  });

  test('no secret, event payload or input is interpolated into a shell script', () => {
    for (const { workflow } of workflows.values()) assert.deepEqual(injectionViolations(workflow), []);
    assert.deepEqual(secretsUsed(release.text), [
      'CODEBUFF_S3_ACCESS_KEY_ID',
      'CODEBUFF_S3_SECRET_ACCESS_KEY',
      'GITHUB_TOKEN',
      'NX_CACHE_READ_WRITE_TOKEN',
    ]);
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
    assert.deepEqual(release.workflow.on.workflow_dispatch, {
      inputs: {
        version: {
          description: (release.workflow.on.workflow_dispatch as { inputs: { version: { description: string } } }).inputs.version
            .description,
          required: true,
          type: 'string',
        },
      },
    });
    assert.match(release.workflow.concurrency!.group, /^build-and-upload-\$\{\{ github\.event\.release\.tag_name \|\| .*inputs\.version/);
    assert.equal(release.workflow.concurrency!['cancel-in-progress'], false);
    assert.deepEqual(release.workflow.jobs.publish.needs, ['build', 'check']);
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

  test('dependabot keeps github-actions and npm current: weekly, grouped', () => {
    const config = parse(readFileSync(join(WORKSPACE_ROOT, '.github/dependabot.yml'), 'utf8')) as {
      version: number;
      updates: Array<{
        'package-ecosystem': string;
        directory: string;
        schedule: { interval: string };
        groups?: Record<string, { patterns: string[] }>;
      }>;
    };
    assert.equal(config.version, 2);
    assert.deepEqual(config.updates.map((u) => u['package-ecosystem']).sort(), ['github-actions', 'npm']);
    for (const update of config.updates) {
      assert.equal(update.directory, '/');
      assert.equal(update.schedule.interval, 'weekly');
      // Some group takes every dependency, so updates arrive as one pull request per group.
      assert.ok(
        Object.values(update.groups ?? {}).some((g) => g.patterns.includes('*')),
        update['package-ecosystem'],
      );
    }
  });

  test('the support dates are in one table: macos-13 retired 2025-12-04, Node 20 end of life 2026-04-30', () => {
    assert.equal(RUNNER_RETIREMENTS['macos-13'], '2025-12-04');
    assert.equal(NODE_END_OF_LIFE[20], '2026-04-30');
  });

  test('negative control: a workflow breaking each rule is reported for each', () => {
    const text = [
      'on: [push, pull_request]',
      'permissions: write-all',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-20.04',
      '    permissions: { contents: write, packages: write, id-token: write }',
      '    env:',
      '      NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: ${{ secrets.NX_CACHE_READ_WRITE_TOKEN }}',
      '    steps:',
      '      - uses: actions/checkout@main',
      '      - uses: actions/setup-node@v4',
      '        with: { node-version: 20 }',
      '      - uses: actions/attest-build-provenance@a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32',
      '      - run: echo "${{ github.event.pull_request.title }}" && curl -H "token ${{ secrets.X }}" x',
      '  check:',
      '    runs-on: ${{ matrix.runner }}',
      '    strategy: { matrix: { include: [{ runner: macos-13 }, { runner: macos-15-intel }] } }',
      '    steps:',
      '      - uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0',
      "        with: { node-version: 'lts/*' }",
      '      - run: node tools/workflows/verify-asset.mjs --dir d --platform p --version 1.0.0',
      '      - run: gh attestation verify d/a --repo o/r',
      '  npm:',
      '    runs-on: ubuntu-latest',
      '    permissions: { contents: read }',
      '    env: { NODE_AUTH_TOKEN: "${{ secrets.NPM_TOKEN }}" }',
      '    steps:',
      '      - run: npm install -g npm@10.9.0',
      '      - run: node scripts/deploy.mjs 1.0.0 --github o/r',
    ].join('\n');
    const broken = parseWorkflow(text);
    assert.deepEqual(permissionViolations(broken, { build: ['contents'] }), [
      'top-level permissions must be exactly { contents: read }, got "write-all"',
      'job build: packages: write is not allowed',
      'job build: id-token: write is not allowed',
    ]);
    assert.deepEqual(pinViolations(text), [
      'line 10: actions/checkout@main is not pinned to a full commit SHA',
      'line 11: actions/setup-node@v4 is not pinned to a full commit SHA',
      'line 13: actions/attest-build-provenance@a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32 has no "# vX.Y.Z" comment saying which version the SHA is',
    ]);
    assert.deepEqual(runnerViolations(broken), [
      'job build: runner image ubuntu-20.04 was retired on 2025-04-15',
      'job check: runner image macos-13 was retired on 2025-12-04',
    ]);
    // The dates decide: the day before its retirement macos-13 still passed.
    assert.deepEqual(runnerViolations(parseWorkflow('on: push\njobs:\n  a:\n    runs-on: macos-13\n')), [
      'job a: runner image macos-13 was retired on 2025-12-04',
    ]);
    assert.deepEqual(runnerViolations(parseWorkflow('on: push\njobs:\n  a:\n    runs-on: macos-13\n'), '2025-12-03'), []);
    assert.deepEqual(nodeVersionViolations(broken), [
      'job build: Node.js 20 reached end of life on 2026-04-30',
      'job check: node-version "lts/*" is not a Node.js release line such as 24',
    ]);
    assert.deepEqual(nodeVersionViolations(broken, '2026-04-29'), [
      'job check: node-version "lts/*" is not a Node.js release line such as 24',
    ]);
    assert.deepEqual(provenanceViolations(broken), [
      'job build: attests without attestations: write',
      'job check: checks a downloaded asset without gh attestation verify before it',
    ]);
    assert.deepEqual(npmPublishViolations(broken), [
      'job npm: publishes to npm without id-token: write (trusted publishing)',
      'job npm: publishes to npm without installing npm 11.5.1 or later first (got 10.9.0)',
      'job npm: uses an npm token; trusted publishing needs none',
    ]);
    assert.equal(injectionViolations(broken).length, 2);
    assert.equal(cacheTokenViolations(broken, WRITE_ENVIRONMENT).length, 2);
  });
});
