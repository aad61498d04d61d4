/**
 * The workspace's import arrows, read from every source file: projects import each other by
 * package name (tsconfig paths), and nothing that ships (libs/, apps/ outside tests and testing/
 * folders) imports a test helper under tools/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { test } from 'node:test';
import fg from 'fast-glob';
import { WORKSPACE_ROOT } from '@codebuff/testing/workspace';
import { importsOf, workspaceAliases } from './import-closure';

const PROJECT_ROOTS = ['apps/*', 'libs/*', 'tools/*', 'cli', 'scripts'];

function projectOf(file: string): string {
  const [top, second] = file.split('/');
  return ['apps', 'libs', 'tools'].includes(top) ? `${top}/${second}` : top;
}

/** Each import of our own code in the workspace: who imports, what was written, which file it names. */
function workspaceImports(): { from: string; specifier: string; target: string }[] {
  const aliases = Object.entries(workspaceAliases(WORKSPACE_ROOT));
  const files = fg.sync(
    PROJECT_ROOTS.map((p) => `${p}/**/*.{ts,tsx,mts}`),
    { cwd: WORKSPACE_ROOT, ignore: ['**/node_modules/**', '**/dist/**'] },
  );
  const found: { from: string; specifier: string; target: string }[] = [];
  for (const from of files) {
    for (const specifier of importsOf(readFileSync(join(WORKSPACE_ROOT, from), 'utf8'))) {
      let target: string | undefined;
      if (specifier.startsWith('.')) target = normalize(join(dirname(from), specifier));
      for (const [name, path] of aliases) {
        if (specifier === name) target = path;
        else if (name.endsWith('/*') && specifier.startsWith(name.slice(0, -1)))
          target = path.replace('*', specifier.slice(name.length - 1));
      }
      if (target) found.push({ from, specifier, target });
    }
  }
  return found;
}

const isProduction = (file: string) => /^(apps|libs)\//.test(file) && !/\.test\.tsx?$/.test(file) && !/\/(testing|scripts)\//.test(file);

test('projects import each other by package name, never by a relative path', () => {
  const imports = workspaceImports();
  assert.ok(imports.length > 200, `found ${imports.length} imports: the scan works`);
  const crossing = imports.filter(
    (i) => i.specifier.startsWith('.') && projectOf(i.target) !== projectOf(i.from) && !i.target.endsWith('.json'),
  );
  assert.deepEqual(
    crossing.map((i) => `${i.from} imports ${i.specifier}`),
    [],
  );
});

test('nothing that ships imports a test helper under tools/', () => {
  const imports = workspaceImports();
  assert.ok(
    imports.some((i) => isProduction(i.from) && i.target.startsWith('libs/')),
    'production modules are found',
  );
  const backwards = imports.filter((i) => isProduction(i.from) && i.target.startsWith('tools/'));
  assert.deepEqual(
    backwards.map((i) => `${i.from} imports ${i.specifier}`),
    [],
  );
});
