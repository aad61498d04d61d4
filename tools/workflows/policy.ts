import { retiredRunner, unsupportedNode } from './support-dates';
import type { Job, Workflow } from './workflow-files';

/**
 * The rules the workflows follow beyond what linters know. Each returns human-readable
 * violations; the tests expect none for the real workflows and some for broken ones.
 */

/**
 * Top-level `contents: read` only; a job may hold a write scope only where `allowedWrites`
 * names it for that job (e.g. `{ build: ['contents', 'id-token'] }`).
 */
export function permissionViolations(workflow: Workflow, allowedWrites: Readonly<Record<string, readonly string[]>>): string[] {
  const problems: string[] = [];
  if (JSON.stringify(workflow.permissions) !== JSON.stringify({ contents: 'read' }))
    problems.push(`top-level permissions must be exactly { contents: read }, got ${JSON.stringify(workflow.permissions)}`);
  for (const [name, job] of Object.entries(workflow.jobs)) {
    const permissions = job.permissions;
    if (typeof permissions === 'string') problems.push(`job ${name}: permissions must be a map, not "${permissions}"`);
    for (const [scope, level] of Object.entries(typeof permissions === 'object' ? permissions : {})) {
      if (level === 'write' && !(allowedWrites[name] ?? []).includes(scope)) problems.push(`job ${name}: ${scope}: write is not allowed`);
    }
  }
  return problems;
}

/**
 * Every action pinned to a full commit SHA with its version in a comment
 * (`uses: actions/checkout@<40 hex> # v7.0.1`): a tag can be moved under a job that holds a
 * write token, a commit cannot. Read from the text, because YAML drops the comment.
 */
export function pinViolations(workflowText: string): string[] {
  const problems: string[] = [];
  workflowText.split('\n').forEach((line, i) => {
    const match = /^\s*(?:-\s+)?uses:\s*['"]?([^\s'"#]+)['"]?\s*(?:#\s*(.*))?$/.exec(line);
    if (!match || match[1].startsWith('./')) return;
    const [, uses, comment] = match;
    if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(uses)) problems.push(`line ${i + 1}: ${uses} is not pinned to a full commit SHA`);
    else if (!/^v\d+(\.\d+){0,2}\b/.test(comment ?? ''))
      problems.push(`line ${i + 1}: ${uses} has no "# vX.Y.Z" comment saying which version the SHA is`);
  });
  return problems;
}

/** Every runner label a job may run on: `runs-on` itself, or each value of the matrix key it names. */
export function runnerLabels(job: Job): string[] {
  const runsOn = job['runs-on'];
  const labels = (Array.isArray(runsOn) ? runsOn : [runsOn]).map(String);
  const matrix = (job.strategy as { matrix?: Record<string, unknown> } | undefined)?.matrix ?? {};
  return labels.flatMap((label) => {
    const key = /^\$\{\{\s*matrix\.([\w-]+)\s*\}\}$/.exec(label)?.[1];
    if (!key) return [label];
    const listed = Array.isArray(matrix[key]) ? (matrix[key] as unknown[]) : [];
    const included = Array.isArray(matrix.include) ? (matrix.include as Array<Record<string, unknown>>).map((row) => row[key]) : [];
    return [...listed, ...included].filter((v) => v !== undefined).map(String);
  });
}

/** No job asks for a runner image GitHub has retired (support-dates.ts). */
export function runnerViolations(workflow: Workflow, on?: string): string[] {
  return Object.entries(workflow.jobs).flatMap(([name, job]) =>
    runnerLabels(job).flatMap((label) => {
      const why = retiredRunner(label, on);
      return why ? [`job ${name}: ${why}`] : [];
    }),
  );
}

/** Every setup-node step asks for a Node.js line that is still supported (support-dates.ts). */
export function nodeVersionViolations(workflow: Workflow, on?: string): string[] {
  return Object.entries(workflow.jobs).flatMap(([name, job]) =>
    (job.steps ?? [])
      .filter((s) => /^actions\/setup-node@/.test(s.uses ?? ''))
      .flatMap((s) => {
        const why = unsupportedNode(s.with?.['node-version'], on);
        return why ? [`job ${name}: ${why}`] : [];
      }),
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
    if (environmentName(job) !== writeEnvironment)
      problems.push(`job ${name}: uses the cache write token outside the "${writeEnvironment}" environment`);
    const prTriggers = triggers.filter((t) => t.startsWith('pull_request'));
    if (prTriggers.length && !/github\.event_name == 'push'/.test(job.if ?? ''))
      problems.push(`job ${name}: uses the cache write token and may run for ${prTriggers.join(', ')}`);
    return problems;
  });
}
