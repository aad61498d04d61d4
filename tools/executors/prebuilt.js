// The plugin and its executors, prebuilt to JavaScript by the pinned Bun, so that neither Nx's
// plugin workers nor its task workers load a TypeScript transpiler (about 0.5 s each; see
// tools/executors/README.md). Plain JavaScript by necessity: this file runs before anything
// could transpile it.
//
// A stale build never runs. Every load checks the build against its sources: the sha256 of every
// file Bun bundled into it (Bun's metafile lists them), the tsconfigs that map import names to
// files, this file, Bun's version and the folder it was built in (Bun writes __dirname into the
// output as a literal). Any difference, and the build is made again before anything is loaded.
// Builds sit in folders named by that fingerprint and are never changed once written, so two
// processes building at once cannot hand each other half a build.
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const PLUGIN_ROOT = __dirname;
const WORKSPACE_ROOT = path.resolve(PLUGIN_ROOT, '..', '..');
const OUT_ROOT = path.join(PLUGIN_ROOT, 'dist');
const CURRENT = path.join(OUT_ROOT, 'current.json');
const SOURCE_ROOT = path.join(PLUGIN_ROOT, 'src');
/** Read by Bun while it bundles, without being bundled: they decide which file an import name means. */
const RESOLUTION_FILES = ['tsconfig.base.json', 'tsconfig.json', path.relative(WORKSPACE_ROOT, __filename)];

function bunPackage() {
  const pkgPath = require.resolve('bun/package.json', { paths: [WORKSPACE_ROOT] });
  const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.bun;
  return { executable: path.join(path.dirname(pkgPath), bin), version: pkg.version };
}

/** The plugin (src/index.ts) and every executor (src/executors/<name>/executor.ts). */
function entryPoints() {
  const executors = path.join(SOURCE_ROOT, 'executors');
  return [
    path.join(SOURCE_ROOT, 'index.ts'),
    ...fs
      .readdirSync(executors)
      .sort()
      .map((name) => path.join(executors, name, 'executor.ts'))
      .filter((file) => fs.existsSync(file)),
  ];
}

/** The build's identity: its sources' contents, Bun's version and where it was built. */
function fingerprint(sources, bunVersion) {
  const hash = createHash('sha256').update(`prebuilt v1\0${PLUGIN_ROOT}\0bun ${bunVersion}\0`);
  for (const file of sources) {
    let contents;
    try {
      contents = fs.readFileSync(path.join(WORKSPACE_ROOT, file));
    } catch {
      contents = 'missing';
    }
    hash.update(`${file}\0${createHash('sha256').update(contents).digest('hex')}\0`);
  }
  return hash.digest('hex').slice(0, 24);
}

function readCurrent() {
  try {
    return JSON.parse(fs.readFileSync(CURRENT, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Bun bundles the entry points into `outDir`; the files it read, workspace-relative and sorted. */
function bundle(bun, outDir) {
  const metafile = path.join(outDir, 'metafile.json');
  const args = ['build', ...entryPoints(), '--target=node', '--format=cjs', '--packages=external'];
  const run = spawnSync(bun.executable, [...args, `--root=${SOURCE_ROOT}`, `--outdir=${outDir}`, `--metafile=${metafile}`], {
    cwd: WORKSPACE_ROOT,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`cannot build the release plugin with Bun ${bun.version}: ${run.stderr || run.error}`);
  const bundled = Object.keys(JSON.parse(fs.readFileSync(metafile, 'utf8')).inputs);
  return [...new Set([...bundled, ...RESOLUTION_FILES])].sort();
}

/**
 * Builds into a folder of its own, then names it by the fingerprint of what it was built from.
 * Bun bundles twice, with the sources hashed in between: a source edited while Bun read it
 * shows as two different fingerprints, and the build is made again rather than recorded.
 */
function build() {
  const bun = bunPackage();
  fs.mkdirSync(OUT_ROOT, { recursive: true });
  const staging = fs.mkdtempSync(path.join(OUT_ROOT, 'building-'));
  try {
    for (let attempt = 1; ; attempt++) {
      const sources = bundle(bun, staging);
      const before = fingerprint(sources, bun.version);
      const again = bundle(bun, staging);
      const after = fingerprint(again, bun.version);
      if (before !== after || sources.join() !== again.join()) {
        if (attempt < 5) continue;
        throw new Error('cannot build the release plugin: its sources keep changing while it is built');
      }
      const done = path.join(OUT_ROOT, after);
      try {
        fs.renameSync(staging, done);
      } catch (error) {
        // Another process built the same sources first: its build is this one.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      }
      const current = { fingerprint: after, bunVersion: bun.version, sources };
      const tmp = `${CURRENT}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, `${JSON.stringify(current, null, 2)}\n`);
      fs.renameSync(tmp, CURRENT);
      pruneOldBuilds(after);
      return current;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Removes builds of earlier sources (a minute old at least: a process may still be loading one). */
function pruneOldBuilds(keep) {
  for (const name of fs.readdirSync(OUT_ROOT)) {
    const dir = path.join(OUT_ROOT, name);
    if (name === keep || !/^[0-9a-f]{24}$|^building-/.test(name)) continue;
    try {
      if (Date.now() - fs.statSync(dir).mtimeMs > 60_000) fs.rmSync(dir, { recursive: true, force: true });
    } catch {}
  }
}

let fresh;
/**
 * The current build, checked against its sources (about 10 ms) and made again if stale. Once per
 * process unless `recheck`: a task worker lives for one task, but Nx's daemon keeps the plugin
 * loaded for as long as it runs, so the plugin rechecks on every call (package/plugin.js).
 */
function freshBuild(recheck = false) {
  if (fresh && !recheck) return fresh;
  const current = readCurrent();
  const bunVersion = bunPackage().version;
  const upToDate =
    current &&
    current.bunVersion === bunVersion &&
    fingerprint(current.sources, bunVersion) === current.fingerprint &&
    fs.existsSync(path.join(OUT_ROOT, current.fingerprint, 'index.js'));
  fresh = upToDate ? current : build();
  return fresh;
}

/** Loads one built entry point: 'index' or 'executors/<name>/executor'; `recheck` as freshBuild's. */
function loadBuilt(entry, recheck = false) {
  return require(path.join(OUT_ROOT, freshBuild(recheck).fingerprint, `${entry}.js`));
}

module.exports = { loadBuilt, freshBuild, build, OUT_ROOT };

// `node tools/executors/prebuilt.js` (npm's prepare step): build now, or confirm the build is fresh.
if (require.main === module) {
  const current = freshBuild();
  console.log(`release plugin built from ${current.sources.length} files: tools/executors/dist/${current.fingerprint}`);
}
