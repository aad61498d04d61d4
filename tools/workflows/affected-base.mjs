#!/usr/bin/env node
// Picks the --base and --head for `nx affected` in CI and writes them to $GITHUB_OUTPUT.
// Nx diffs from the merge-base of base and head, so a branch name is a fine base.
//
//   pull_request: origin/<base branch> (fetched by `actions/checkout` with fetch-depth: 0)
//   push:         the commit before the push (github.event.before), unless it is all zeros
//                 (a new branch) or no longer in the history (a force-push); then the default
//                 branch for other branches, else the parent commit, else nothing: a first
//                 commit has no base, and the workflow builds everything.
//
// Inputs (environment): EVENT_NAME, BASE_REF (pull requests), BEFORE (pushes), REF_NAME, DEFAULT_BRANCH.
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';

const git = (...args) => {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};
const isCommit = (rev) => rev !== undefined && rev !== '' && git('rev-parse', '--verify', '--quiet', `${rev}^{commit}`) !== undefined;

function affectedBase(env) {
  const head = git('rev-parse', 'HEAD');
  if (!head) throw new Error('not inside a git checkout');
  const defaultBranch = env.DEFAULT_BRANCH || 'main';
  if (env.EVENT_NAME === 'pull_request' || env.EVENT_NAME === 'pull_request_target') {
    const base = `origin/${env.BASE_REF || defaultBranch}`;
    if (!isCommit(base)) throw new Error(`${base} is not in this checkout: check out with fetch-depth: 0`);
    return { base, head, why: `pull request into ${env.BASE_REF || defaultBranch}` };
  }
  const before = env.BEFORE ?? '';
  if (!/^0*$/.test(before) && isCommit(before)) return { base: before, head, why: 'commit before this push' };
  const reason = /^0*$/.test(before) ? 'new branch' : `${before} is no longer in the history`;
  if (env.REF_NAME && env.REF_NAME !== defaultBranch && isCommit(`origin/${defaultBranch}`)) {
    return { base: `origin/${defaultBranch}`, head, why: `${reason}: compared with ${defaultBranch}` };
  }
  if (isCommit('HEAD~1')) return { base: git('rev-parse', 'HEAD~1'), head, why: `${reason}: compared with the parent commit` };
  return { base: '', head, why: `${reason} and no parent commit: everything is affected` };
}

try {
  const { base, head, why } = affectedBase(process.env);
  process.stdout.write(`nx affected base: ${base || '(none)'}, head: ${head} (${why})\n`);
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `base=${base}\nhead=${head}\n`);
} catch (error) {
  process.stderr.write(`affected-base: ${error.message}\n`);
  process.exit(1);
}
