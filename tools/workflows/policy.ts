import type { Job, Workflow } from './workflow-files';

/**
 * The rules the workflows follow beyond what linters know. Each returns human-readable
 * violations; the tests expect none for the real workflows and some for broken ones.
 */

/** Top-level `contents: read` only; write access only on the jobs that need it. */
export function permissionViolations(workflow: Workflow, jobsAllowedToWrite: readonly string[]): string[] {
  const problems: string[] = [];
  if (JSON.stringify(workflow.permissions) !== JSON.stringify({ contents: 'read' })) problems.push(`top-level permissions must be exactly { contents: read }, got ${JSON.stringify(workflow.permissions)}`);
  for (const [name, job] of Object.entries(workflow.jobs)) {
    const permissions = job.permissions;
    if (typeof permissions === 'string') problems.push(`job ${name}: permissions must be a map, not "${permissions}"`);
    for (const [scope, level] of Object.entries(typeof permissions === 'object' ? permissions : {})) {
      if (level === 'write' && !(scope === 'contents' && jobsAllowedToWrite.includes(name))) problems.push(`job ${name}: ${scope}: write is not allowed`);
    }
  }
  return problems;
}

/** Every action pinned to a major version tag (or a full commit SHA), never a branch. */
export function pinViolations(workflow: Workflow): string[] {
  return Object.entries(workflow.jobs).flatMap(([name, job]) =>
    (job.steps ?? [])
      .filter((s) => s.uses !== undefined && !s.uses.startsWith('./'))
      .filter((s) => !/@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/.test(s.uses!))
      .map((s) => `job ${name}: ${s.uses} is not pinned to a version`),
  );
}

const INTERPOLATION = /\$\{\{([^}]*)\}\}/g;

/**
 * `run:` scripts never contain `${{ … }}` with secrets or with text an outsider controls
 * (event payloads, inputs): those go through `env:` so the shell sees data, not code.
 */
export function injectionViolations(workflow: Workflow): string[] {
  return Object.entries(workflow.jobs).flatMap(([name, job]) =>
    (job.steps ?? []).flatMap((step) =>
      [...(step.run ?? '').matchAll(INTERPOLATION)]
        .filter((m) => /secrets\.|github\.event\.|inputs\.|github\.head_ref|github\.base_ref/.test(m[1]))
        .map((m) => `job ${name}, step "${step.name ?? step.run?.split('\n')[0]}": \${{${m[1]}}} interpolated into a shell script`),
    ),
  );
}

/** Every secret used anywhere in a workflow, by name. */
export function secretsUsed(text: string): string[] {
  return [...new Set([...text.matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]))].sort();
}

function environmentName(job: Job): string | undefined {
  return typeof job.environment === 'string' ? job.environment : job.environment?.name;
}

/**
 * Only jobs in the protected environment may see the cache's write token, and such a job must
 * never run for a pull request (which could have edited the workflow).
 */
export function cacheTokenViolations(workflow: Workflow, writeEnvironment: string): string[] {
  const on: unknown = workflow.on;
  const triggers = typeof on === 'string' ? [on] : Array.isArray(on) ? on.map(String) : Object.keys(on ?? {});
  return Object.entries(workflow.jobs).flatMap(([name, job]) => {
    if (!JSON.stringify(job).includes('secrets.NX_CACHE_READ_WRITE_TOKEN')) return [];
    const problems: string[] = [];
    if (environmentName(job) !== writeEnvironment) problems.push(`job ${name}: uses the cache write token outside the "${writeEnvironment}" environment`);
    const prTriggers = triggers.filter((t) => t.startsWith('pull_request'));
    if (prTriggers.length && !/github\.event_name == 'push'/.test(job.if ?? '')) problems.push(`job ${name}: uses the cache write token and may run for ${prTriggers.join(', ')}`);
    return problems;
  });
}
