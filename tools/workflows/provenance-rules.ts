import { gte, valid } from 'semver';
import type { Job, Step, Workflow } from './workflow-files';

/**
 * Rules for the trail users can verify: build provenance made where the files are built and
 * checked before a downloaded file is trusted, and the npm package published by npm's trusted
 * publishing (OIDC) instead of a long-lived token.
 */

/** npm's trusted publishing (and the provenance it adds by itself) needs this npm or later. */
export const TRUSTED_PUBLISHING_NPM = '11.5.1';

/** The actions that sign an attestation: build provenance, and each archive's SBOM. */
const ATTEST = /^actions\/attest-(build-provenance|sbom)@/;
const writes = (job: Job, scope: string) => typeof job.permissions === 'object' && job.permissions[scope] === 'write';
const runOf = (step: Step) => step.run ?? '';

/**
 * A job that attests holds `id-token: write` (Sigstore signs with the OIDC token) and
 * `attestations: write`; a job that checks a downloaded release file with verify-asset.mjs has
 * first run `gh attestation verify` on it, in an earlier step.
 */
export function provenanceViolations(workflow: Workflow): string[] {
  return Object.entries(workflow.jobs).flatMap(([name, job]) => {
    const steps = job.steps ?? [];
    const problems: string[] = [];
    if (steps.some((s) => ATTEST.test(s.uses ?? ''))) {
      for (const scope of ['id-token', 'attestations'])
        if (!writes(job, scope)) problems.push(`job ${name}: attests without ${scope}: write`);
    }
    const check = steps.findIndex((s) => /verify-asset\.mjs/.test(runOf(s)));
    const verified = steps.findIndex((s) => /\bgh attestation verify\b/.test(runOf(s)));
    if (check >= 0 && (verified < 0 || verified > check))
      problems.push(`job ${name}: checks a downloaded asset without gh attestation verify before it`);
    return problems;
  });
}

/** The npm versions a script installs globally (`npm install -g npm@X`). */
function installedNpmVersions(steps: Step[]): string[] {
  return steps.flatMap((s) => [...runOf(s).matchAll(/\bnpm\s+(?:install|i)\s+(?:-g|--global)\s+npm@(\S+)/g)].map((m) => m[1]));
}

/**
 * A job that publishes to npm (`npm publish`, or scripts/deploy.mjs without --dry-run) does it
 * through trusted publishing: `id-token: write`, npm 11.5.1 or later installed before, and no
 * npm token in sight.
 */
export function npmPublishViolations(workflow: Workflow): string[] {
  return Object.entries(workflow.jobs).flatMap(([name, job]) => {
    const steps = job.steps ?? [];
    const publishAt = steps.findIndex((s) => /\bnpm publish\b|scripts\/deploy\.mjs/.test(runOf(s)) && !/--dry-run/.test(runOf(s)));
    if (publishAt < 0) return [];
    const problems: string[] = [];
    if (!writes(job, 'id-token')) problems.push(`job ${name}: publishes to npm without id-token: write (trusted publishing)`);
    const npm = installedNpmVersions(steps.slice(0, publishAt));
    if (!npm.some((v) => valid(v) && gte(v, TRUSTED_PUBLISHING_NPM))) {
      problems.push(
        `job ${name}: publishes to npm without installing npm ${TRUSTED_PUBLISHING_NPM} or later first (got ${npm.join(', ') || 'none'})`,
      );
    }
    if (/NPM_TOKEN|NODE_AUTH_TOKEN/.test(JSON.stringify(job)))
      problems.push(`job ${name}: uses an npm token; trusted publishing needs none`);
    return problems;
  });
}
