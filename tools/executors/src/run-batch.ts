import { AsyncLocalStorage } from 'node:async_hooks';
import { availableParallelism } from 'node:os';
import type { ExecutorContext, TaskGraph } from '@nx/devkit';

type Executor<Options> = (options: Options, context: ExecutorContext) => Promise<{ success: boolean }>;

export interface TaskResult {
  success: boolean;
  status?: 'success' | 'failure' | 'skipped';
  terminalOutput: string;
  startTime?: number;
  endTime?: number;
}

/** What each running task has printed so far; its output must not mix with its neighbours'. */
const taskOutput = new AsyncLocalStorage<string[]>();
let writesRouted = false;

/** Sends stdout and stderr writes made inside a task to that task's own output. */
function routeWritesToTasks(): void {
  if (writesRouted) return;
  writesRouted = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const output = taskOutput.getStore();
      if (!output) return write(chunk, ...rest);
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }
}

/**
 * The batch form of an executor (Nx's `batchImplementation`, chosen by `preferBatch`): the
 * platform tasks that are ready together run in one process, several at a time, instead of one
 * Nx worker each. A worker costs about a second of CPU before the executor's first line (Nx's
 * task runner, TypeScript and the transpiler load in every one), which on two cores was most of
 * a release after a source change. Each task keeps its own options, context, output and result,
 * and Nx still hashes, caches and reports every task on its own.
 */
export function batchOf<Options>(executor: Executor<Options>) {
  return async function* runBatch(
    taskGraph: TaskGraph,
    inputs: Record<string, Options>,
    _overrides: unknown,
    context: ExecutorContext,
  ): AsyncGenerator<{ task: string; result: TaskResult }> {
    routeWritesToTasks();
    const pending = new Set(Object.keys(taskGraph.tasks));
    const finished = new Map<string, TaskResult>();
    const running = new Map<string, Promise<string>>();
    const limit = Math.max(1, availableParallelism());

    const runTask = async (id: string): Promise<string> => {
      const task = taskGraph.tasks[id];
      const output: string[] = [];
      const startTime = Date.now();
      let success = false;
      try {
        const taskContext: ExecutorContext = {
          ...context,
          projectName: task.target.project,
          targetName: task.target.target,
          configurationName: task.target.configuration,
        };
        success = (await taskOutput.run(output, () => executor(inputs[id], taskContext))).success;
      } catch (error) {
        output.push(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      }
      finished.set(id, {
        success,
        status: success ? 'success' : 'failure',
        terminalOutput: output.join(''),
        startTime,
        endTime: Date.now(),
      });
      return id;
    };

    while (pending.size > 0 || running.size > 0) {
      for (const id of [...pending]) {
        const deps = (taskGraph.dependencies[id] ?? []).filter((dep) => dep in taskGraph.tasks);
        if (deps.some((dep) => finished.has(dep) && !finished.get(dep)?.success)) {
          pending.delete(id);
          const result: TaskResult = { success: false, status: 'skipped', terminalOutput: `skipped: a task it depends on failed\n` };
          finished.set(id, result);
          yield { task: id, result };
        } else if (running.size < limit && deps.every((dep) => finished.has(dep))) {
          pending.delete(id);
          running.set(id, runTask(id));
        }
      }
      if (running.size === 0) {
        // Only reachable if a dependency inside the batch can never finish; fail rather than spin.
        for (const id of pending)
          yield { task: id, result: { success: false, status: 'failure', terminalOutput: 'a task it depends on never ran\n' } };
        return;
      }
      const done = await Promise.race(running.values());
      running.delete(done);
      yield { task: done, result: finished.get(done) as TaskResult };
    }
  };
}
