// The Nx plugin (createNodes and the pre-task hook), loaded from its prebuilt JavaScript: see prebuilt.js.
module.exports = require('../prebuilt').loadBuilt('index');
