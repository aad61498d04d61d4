// The executors, each loaded from its prebuilt JavaScript (see prebuilt.js) only when Nx asks for
// it: executors.json names `./executors.js#compile` for the compile and `#compile.batch` for its
// batch form, and so on.
const { readdirSync } = require('node:fs');
const { join } = require('node:path');
const { loadBuilt } = require('../prebuilt');

for (const name of readdirSync(join(__dirname, '..', 'src', 'executors'))) {
  const load = () => loadBuilt(`executors/${name}/executor`);
  Object.defineProperty(exports, name, { enumerable: true, get: () => load().default });
  Object.defineProperty(exports, `${name}.batch`, { enumerable: true, get: () => load().batch });
}
