import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copyWorkspace, runCommand, type TestWorkspace, WORKSPACE_ROOT } from '@codebuff/testing/workspace';

/** What a fresh process gets from the plugin's entry point, as Nx loads it. */
async function loadPlugin(root: string): Promise<{ name: string; fingerprint: string }> {
  const script = `const p = require(${JSON.stringify(join(root, 'tools/executors/plugin.js'))});
    const c = require(${JSON.stringify(join(root, 'tools/executors/dist/current.json'))});
    console.log(JSON.stringify({ name: p.name, fingerprint: c.fingerprint }));`;
  const run = await runCommand(process.execPath, ['-e', script], { cwd: root });
  assert.equal(run.code, 0, run.output);
  return JSON.parse(run.output.trim().split('\n').pop() as string);
}

const indexSource = (root: string) => join(root, 'tools/executors/src/index.ts');

describe('prebuilt plugin and executors (prebuilt.js)', () => {
  let ws: TestWorkspace;
  before(() => {
    ws = copyWorkspace('codebuff-prebuilt-');
  });
  after(() => ws.dispose());

  it('builds on first load, in the folder it is loaded from', async () => {
    assert.equal(existsSync(join(ws.root, 'tools/executors/dist')), false, 'the copy starts without a build');
    const first = await loadPlugin(ws.root);
    assert.equal(first.name, '@codebuff/nx-release');
    const built = readFileSync(join(ws.root, 'tools/executors/dist', first.fingerprint, 'executors/compile/executor.js'), 'utf8');
    // Bun writes each module's folder into the output: it must be this copy's, never the original's.
    assert.ok(built.includes(join(ws.root, 'libs/release/src')), 'paths point into the copy');
    assert.ok(!built.includes(join(WORKSPACE_ROOT, 'libs/release/src')), 'no path points into the workspace it was copied from');
    assert.deepEqual(await loadPlugin(ws.root), first, 'a second load reuses the build');
  });

  it('never runs a stale build: a changed source is rebuilt before it is loaded', async () => {
    const before = await loadPlugin(ws.root);
    const source = readFileSync(indexSource(ws.root), 'utf8');
    writeFileSync(indexSource(ws.root), source.replace("export const name = '@codebuff/nx-release';", "export const name = 'probe-edit';"));
    try {
      const after = await loadPlugin(ws.root);
      assert.equal(after.name, 'probe-edit', 'the edited source is what runs');
      assert.notEqual(after.fingerprint, before.fingerprint);
    } finally {
      writeFileSync(indexSource(ws.root), source);
    }
    assert.deepEqual(await loadPlugin(ws.root), before, 'the original sources give the original build back');
  });

  it('rebuilds a build that lost its files, and follows a change to a library it bundles', async () => {
    const before = await loadPlugin(ws.root);
    rmSync(join(ws.root, 'tools/executors/dist', before.fingerprint), { recursive: true, force: true });
    assert.deepEqual(await loadPlugin(ws.root), before);
    // A library module the executors bundle (formatBytes prints every compile's size).
    const units = join(ws.root, 'libs/release/src/units.ts');
    const text = readFileSync(units, 'utf8');
    writeFileSync(units, text.replace("['KiB', 'MiB', 'GiB']", "['KiB', 'MiB-edited', 'GiB']"));
    try {
      const after = await loadPlugin(ws.root);
      assert.notEqual(after.fingerprint, before.fingerprint);
      const compile = readFileSync(join(ws.root, 'tools/executors/dist', after.fingerprint, 'executors/compile/executor.js'), 'utf8');
      assert.ok(compile.includes('MiB-edited'), 'the compile executor Nx loads carries the edit');
    } finally {
      writeFileSync(units, text);
    }
  });
});
