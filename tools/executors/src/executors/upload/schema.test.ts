import assert from 'node:assert/strict';
import { test } from 'node:test';
import schema from './schema.json';

// Nx fills in a schema default before the executor runs, so a default here would always beat
// the same setting in release.config.json (upload.s3.prefix, upload.local.dir, ...).
test('options that release.config.json can set have no schema default', () => {
  const properties = schema.properties as Record<string, { default?: unknown }>;
  for (const name of ['bucket', 'region', 'prefix', 'endpoint', 'repo', 'dir']) {
    if (properties[name]) assert.equal(properties[name].default, undefined, `--${name} has a default`);
  }
});
