import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { checkScript, type RepoFacts, simpleCommands } from './commands';
import { repoFacts } from './repo-facts';
import { parseWorkflow, readWorkflows, runScripts } from './workflow-files';

describe('every command a workflow runs exists in this repository', () => {
  let facts: RepoFacts;
  const workflows = readWorkflows();

  before(async () => {
    // The real Nx project graph of this checkout (plugins' inferred targets included).
    facts = await repoFacts();
  });

  test('Nx reports the projects and targets the workflows are written against', () => {
    assert.ok(facts.targets.get('codebuff-cli')?.has('upload'), [...facts.targets.keys()].join(', '));
    // The upload executor's schema was found, so flags given to it are checked too.
    assert.ok(facts.options.get('codebuff-cli:upload')?.has('draft'), [...facts.options.keys()].join(', '));
  });

  for (const { name, workflow } of workflows) {
    test(`${name}: nx projects and targets, npm scripts, npx binaries and script files exist`, () => {
      const problems = runScripts(workflow).flatMap(({ job, step, script }) =>
        checkScript(script, facts).map((p) => `${job} / ${step}: ${p}`),
      );
      assert.deepEqual(problems, []);
    });
  }

  test('the checks saw the commands that matter (the parser is not silently skipping them)', () => {
    const commands = workflows.flatMap(({ workflow }) =>
      runScripts(workflow).flatMap(({ script }) => simpleCommands(script).map((w) => w.join(' '))),
    );
    for (const expected of [
      'npx nx run codebuff-cli:bundle',
      'npx nx run codebuff-cli:upload --target=github --draft',
      'node scripts/deploy.mjs $VERSION --github $GITHUB_REPOSITORY',
      'npm install -g npm@11.19.1',
      'gh attestation verify release-check/codebuff-$PLATFORM.* --repo $GITHUB_REPOSITORY --signer-workflow $signer',
      'npx nx run codebuff-cli:upload --target=github --exclude-task-dependencies',
      'npx nx run codebuff-cli:upload ${args[@]}',
      'npx nx affected -t typecheck test bundle --base=$NX_BASE --head=$NX_HEAD',
      'npx nx run-many -t typecheck test bundle',
      'node tools/workflows/verify-asset.mjs --dir release-check --platform $PLATFORM --version $VERSION',
      'node tools/workflows/affected-base.mjs',
      'npm ci',
    ]) {
      assert.ok(commands.includes(expected), `not found: ${expected}\nseen:\n${commands.join('\n')}`);
    }
  });

  test('negative control: a workflow naming things that do not exist gets one problem each', () => {
    const broken = parseWorkflow(
      [
        'on: push',
        'jobs:',
        '  build:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - run: |',
        '          npm ci',
        '          npx nx run codebuff-cli:uplaod --target=github   # typo in the target',
        '          npx nx run codebuf-cli:bundle && npm run no-such-script',
        '          node --import tsx tools/no-such-script.ts',
        '          npx nx affected -t typecheck tset bundle --base=origin/main',
        '          npx cowsay hello',
        '          bun cli/missing.mjs \\',
        '            --version 1.0.0',
        '          npx nx run codebuff-cli:bundle',
        '          args=(--target=s3 --bucket b)',
        '          if [[ -n "$X" ]]; then args+=(--drfat); fi',
        '          npx nx run codebuff-cli:upload "${args[@]}" --exclude-task-dependencies',
      ].join('\n'),
    );
    const problems = runScripts(broken).flatMap(({ script }) => checkScript(script, facts));
    assert.deepEqual(
      problems.map((p) => p.replace(/ \[.*\]$/, '')),
      [
        'nx project "codebuff-cli" has no target "uplaod"',
        'nx project "codebuf-cli" does not exist',
        'npm run no-such-script: no such script in package.json',
        'node tools/no-such-script.ts: no such file in the repository',
        'no nx project has a target "tset" (nx affected)',
        'npx cowsay: not installed in node_modules/.bin (npx would download it)',
        'bun cli/missing.mjs: no such file in the repository',
        'the executor of codebuff-cli:upload has no option "drfat"',
      ],
    );
  });
});
