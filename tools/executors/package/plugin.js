// The Nx plugin (createNodes and the hooks around the tasks), loaded from its prebuilt JavaScript: see prebuilt.js.
// Each call loads the build of the sources as they are now: Nx's daemon keeps this module for as
// long as it runs (plugins in its own process, as .env sets), and must not run a hook edited since.
const { loadBuilt } = require('../prebuilt');

const plugin = loadBuilt('index');
const current = () => loadBuilt('index', true);

module.exports = {
  ...plugin,
  createNodes: [plugin.createNodes[0], (...args) => current().createNodes[1](...args)],
  preTasksExecution: (...args) => current().preTasksExecution(...args),
  postTasksExecution: (...args) => current().postTasksExecution(...args),
};
