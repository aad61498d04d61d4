import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { batchOf } from './run-batch';

function graphOf(ids: string[], dependencies: Record<string, string[]> = {}): TaskGraph {
  const tasks: TaskGraph['tasks'] = {};
  for (const id of ids) {
    const [project, target] = id.split(':');
    tasks[id] = { id, target: { project, target }, overrides: {}, outputs: [], parallelism: true } as unknown as TaskGraph['tasks'][string];
  }
  return {
    roots: ids,
    tasks,
    dependencies: Object.fromEntries(ids.map((id) => [id, dependencies[id] ?? []])),
    continuousDependencies: {},
  } as TaskGraph;
}

const context = { root: '/ws', cwd: '/ws', isVerbose: false } as unknown as ExecutorContext;

async function collect<T>(results: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const r of results) all.push(r);
  return all;
}

test('each task gets its own options, context and output, even when they run at the same time', async () => {
  const ids = ['cli:compile-a', 'cli:compile-b', 'cli:compile-c'];
  const batch = batchOf<{ platform: string; delay: number }>(async (options, ctx) => {
    console.log(`start ${options.platform} as ${ctx.projectName}:${ctx.targetName}`);
    await sleep(options.delay);
    process.stderr.write(`end ${options.platform}\n`);
    return { success: true };
  });
  const inputs = {
    'cli:compile-a': { platform: 'a', delay: 60 },
    'cli:compile-b': { platform: 'b', delay: 5 },
    'cli:compile-c': { platform: 'c', delay: 20 },
  };
  const results = await collect(batch(graphOf(ids), inputs, {}, context));
  assert.deepEqual(results.map((r) => r.task).sort(), [...ids].sort());
  for (const { task, result } of results) {
    const platform = task.slice(-1);
    assert.equal(result.success, true);
    assert.equal(result.terminalOutput, `start ${platform} as ${task}\nend ${platform}\n`);
  }
});

test('no more tasks run at once than the machine has cores', async () => {
  const ids = Array.from({ length: availableParallelism() + 3 }, (_, i) => `cli:t${i}`);
  let running = 0;
  let most = 0;
  const batch = batchOf(async () => {
    most = Math.max(most, ++running);
    await sleep(10);
    running--;
    return { success: true };
  });
  await collect(batch(graphOf(ids), Object.fromEntries(ids.map((id) => [id, {}])), {}, context));
  assert.equal(most, availableParallelism());
});

test('a failed task fails alone; a task that depends on it is skipped, not run', async () => {
  const ran: string[] = [];
  const batch = batchOf<{ fail?: boolean; throws?: boolean }>(async (options, ctx) => {
    ran.push(String(ctx.targetName));
    if (options.throws) throw new Error('a bug');
    if (options.fail) console.error('error: refused');
    return { success: !options.fail };
  });
  const graph = graphOf(['cli:a', 'cli:b', 'cli:c', 'cli:d'], { 'cli:c': ['cli:a'] });
  const results = Object.fromEntries(
    (await collect(batch(graph, { 'cli:a': { fail: true }, 'cli:b': {}, 'cli:c': {}, 'cli:d': { throws: true } }, {}, context))).map(
      (r) => [r.task, r.result],
    ),
  );
  assert.equal(results['cli:a'].success, false);
  assert.equal(results['cli:a'].terminalOutput, 'error: refused\n');
  assert.equal(results['cli:b'].success, true);
  assert.equal(results['cli:c'].status, 'skipped');
  assert.equal(results['cli:d'].success, false);
  assert.match(results['cli:d'].terminalOutput, /a bug/);
  assert.deepEqual(ran.sort(), ['a', 'b', 'd']);
});
