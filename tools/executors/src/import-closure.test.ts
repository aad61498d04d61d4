import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { importClosure, importsOf, workspaceAliases } from './import-closure';
import { WORKSPACE_ROOT } from '@codebuff/testing/workspace';

test('imports that run are found; type-only imports are not', () => {
  const source = [
    "import { a } from './a';",
    "import type { T } from './types';",
    "export { b } from '../b';",
    "export type { U } from './u';",
    "import './side-effect';",
    "const c = require('c-package/sub');",
    "const script = require.resolve('./run-me');",
    "// import { gone } from './commented';",
    "/* import { gone2 } from './commented2'; */",
    "import {\n  x,\n  y,\n} from '@scope/pkg/deep';",
  ].join('\n');
  assert.deepEqual(importsOf(source).sort(), ['../b', './a', './run-me', './side-effect', '@scope/pkg/deep', 'c-package/sub'].sort());
});

test('the closure follows relative imports through folders and index files, and names the packages', () => {
  const root = mkdtempSync(join(tmpdir(), 'closure-'));
  mkdirSync(join(root, 'src/lib'), { recursive: true });
  writeFileSync(
    join(root, 'src/entry.ts'),
    "import { x } from './lib';\nimport { readFileSync } from 'node:fs';\nimport path from 'path';\n",
  );
  writeFileSync(join(root, 'src/lib/index.ts'), "export { x } from './x';\nimport table from '../table.json';\n");
  writeFileSync(join(root, 'src/lib/x.ts'), "import { z } from 'zod';\nimport { create } from '@scope/tar/create';\nexport const x = 1;\n");
  writeFileSync(join(root, 'src/table.json'), '[]');
  assert.deepEqual(importClosure(root, ['src/entry.ts']), {
    files: ['src/entry.ts', 'src/lib/index.ts', 'src/lib/x.ts', 'src/table.json'],
    packages: ['@scope/tar', 'zod'],
  });
});

test("the compile executor's closure holds version.ts and platforms.ts (the modules a hand-kept list missed)", () => {
  // The executor imports the library by package name (@codebuff/release/...): tsconfig paths.
  const closure = importClosure(WORKSPACE_ROOT, ['tools/executors/src/executors/compile/executor.ts'], workspaceAliases(WORKSPACE_ROOT));
  // bun-compile.ts is not imported but handed to Bun by path (require.resolve): it shapes the binary all the same.
  for (const file of [
    'libs/release/src/version.ts',
    'libs/release/src/platforms.ts',
    'libs/release/src/compile/compile.ts',
    'libs/release/src/compile/bun-compile.ts',
    'tools/executors/src/declared-inputs.ts',
  ]) {
    assert.ok(closure.files.includes(file), file);
  }
  assert.equal(
    closure.files.some((f) => f.includes('/upload/')),
    false,
  );
  assert.deepEqual(
    closure.packages.filter((p) => p.startsWith('@codebuff/')),
    [],
    'workspace projects are files, not npm packages',
  );
});

test('aliases: an exact name and a name/* wildcard lead to workspace files, as tsconfig paths do', () => {
  const root = mkdtempSync(join(tmpdir(), 'closure-alias-'));
  mkdirSync(join(root, 'libs/a/src/deep'), { recursive: true });
  writeFileSync(join(root, 'entry.ts'), "import { a } from '@x/a';\nimport { d } from '@x/a/deep/d';\nimport { n } from '@x/another';\n");
  writeFileSync(join(root, 'libs/a/src/index.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'libs/a/src/deep/d.ts'), "import { z } from 'zod';\nexport const d = 1;\n");
  const aliases = { '@x/a': 'libs/a/src/index.ts', '@x/a/*': 'libs/a/src/*' };
  assert.deepEqual(importClosure(root, ['entry.ts'], aliases), {
    files: ['entry.ts', 'libs/a/src/deep/d.ts', 'libs/a/src/index.ts'],
    packages: ['@x/another', 'zod'],
  });
});
