import assert from 'node:assert/strict';
import { existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copyWorkspace, runCommand, runNx, taskOutcome, type TestWorkspace, WORKSPACE_ROOT } from '@codebuff/testing/workspace';

/** What a fresh process gets from the plugin's entry point, as Nx loads it. */
async function loadPlugin(root: string): Promise<{ name: string; fingerprint: string }> {
  const script = `const p = require(${JSON.stringify(join(root, 'tools/executors/package/plugin.js'))});
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

  it('Nx loads the plugin and its executors from this workspace without TypeScript, in a task worker and in a batch', async () => {
    // Every Node process of the run (Nx, its task or batch worker) records its command and any load
    // of TypeScript. Nx reads TypeScript (0.25-0.35 s a process) to resolve a local plugin found
    // through its project; the package in node_modules (a file: link) and a package.json outside
    // the project's root keep it on the path Node resolves alone.
    const trace = join(ws.root, 'tmp-trace.log');
    const tracer = join(ws.root, 'tmp-trace.js');
    writeFileSync(
      tracer,
      `const fs = require('node:fs'); const Module = require('node:module'); const load = Module._load;
      fs.appendFileSync(${JSON.stringify(trace)}, 'process ' + process.argv.slice(1, 2).join(' ') + '\\n');
      Module._load = function (request, ...rest) {
        if (request === 'typescript') fs.appendFileSync(${JSON.stringify(trace)}, 'typescript ' + new Error().stack + '\\n');
        return load.call(this, request, ...rest);
      };`,
    );
    assert.equal(realpathSync(join(ws.root, 'node_modules/@codebuff/nx-release')), join(ws.root, 'tools/executors/package'));
    // Computing the project graph reads TypeScript (Nx resolves the workspace's imports with it);
    // a run over a graph already computed, what every release but the first is, must not.
    assert.equal((await runNx(ws.root, ['show', 'projects'])).code, 0);
    const worker = { default: /^process \S+bin[/\\]run-executor\.js$/m, '--batch': /^process \S+batch[/\\]run-batch\.js$/m };
    for (const [mode, workerLine] of Object.entries(worker)) {
      rmSync(trace, { force: true });
      const extra = mode === '--batch' ? ['--batch'] : [];
      const run = await runNx(ws.root, ['run', 'codebuff-cli:native-linux-x64', '--skip-nx-cache', ...extra], {
        NODE_OPTIONS: `--require ${tracer}`,
      });
      assert.equal(run.code, 0, run.output);
      assert.deepEqual(taskOutcome(run.output).ran, ['codebuff-cli:native-linux-x64']);
      const lines = readFileSync(trace, 'utf8');
      assert.match(lines, /^process \S+nx\.js$/m, `${mode}: Nx itself was traced`);
      assert.match(lines, workerLine, `${mode}: the worker was traced`);
      assert.doesNotMatch(lines, /^typescript/m, `${mode}: ${lines}`);
    }
  });
});
