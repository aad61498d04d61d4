// Bench only (tools/bench/graph-alone.ts): an executor that does none of a task's work. It puts
// the task's outputs in place from a real release's outputs, by hard links (nearly free), and
// marks compile.json and bundle.json so that the tasks after it rerun, as after a real change.
// What a run of the graph then costs is Nx's own: starting, hashing, a worker per task, its cache.
const {
  appendFileSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} = require('node:fs');
const { join } = require('node:path');

const { stash } = JSON.parse(readFileSync(join(__dirname, 'stash.json'), 'utf8'));
const MARKED = new Set(['compile.json', 'bundle.json']);

function place(from, to) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const [src, dst] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory()) place(src, dst);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else if (MARKED.has(entry.name)) {
      const record = { ...JSON.parse(readFileSync(src, 'utf8')), benchRun: process.hrtime.bigint().toString() };
      writeFileSync(dst, JSON.stringify(record));
    } else linkSync(src, dst);
  }
}

module.exports = async function standIn(_options, context) {
  // How long this worker took from Node's start to its executor's first line (graph-alone.ts reads it).
  appendFileSync(join(__dirname, 'worker-starts.log'), `${process.uptime()}\n`);
  for (const output of context.target?.outputs ?? []) {
    const path = output.replace('{workspaceRoot}/', '');
    rmSync(join(context.root, path), { recursive: true, force: true });
    place(join(stash, path), join(context.root, path));
  }
  return { success: true };
};
