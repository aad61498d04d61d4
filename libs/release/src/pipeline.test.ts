import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BUNDLE, BUNDLE_PLATFORM, COMPILE, PIPELINE, dependsOn, pipelineDiagram } from './pipeline';

test("README.md's stage diagram is the pipeline map, rendered", () => {
  const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const block = /<!-- pipeline-map:begin -->\n```text\n([\s\S]*?)\n```\n<!-- pipeline-map:end -->/.exec(readme);
  assert.ok(block, 'README.md has the pipeline-map block');
  assert.equal(
    block[1],
    pipelineDiagram(),
    "regenerate it: node -e \"require('tsx/cjs'); console.log(require('./libs/release/src/pipeline.ts').pipelineDiagram())\"",
  );
});

test('every stage waits only for stages listed before it, and dependencies follow the per-platform rule', () => {
  PIPELINE.forEach((stage, i) => {
    for (const dep of stage.after)
      assert.ok(PIPELINE.indexOf(dep) >= 0 && PIPELINE.indexOf(dep) < i, `${stage.target} after ${dep.target}`);
  });
  assert.deepEqual(dependsOn(BUNDLE_PLATFORM, ['a', 'b'], 'a'), ['compile-a', 'runtime-chunks-a']);
  assert.deepEqual(dependsOn(BUNDLE, ['a', 'b']), ['bundle-a', 'bundle-b']);
  assert.deepEqual(dependsOn(COMPILE, ['a'], 'a'), ['native-a']);
});
