#!/usr/bin/env node
/**
 * `codebuff`: the npm package's bin. Installs the platform binary on first use (if the
 * postinstall did not), then runs it with this process's arguments, stdio, exit code and signals.
 * Later runs go straight to the cached binary: no network, one stat and one small file read.
 */
import { repairHint } from './install';
import { currentPlan, ensureBinary, reportFailure } from './launcher';
import { runBinary } from './run';

async function main(): Promise<void> {
  const plan = currentPlan();
  const binary = await ensureBinary(plan, false);
  await runBinary(binary, process.argv.slice(2), repairHint(plan));
}

main().catch((error: unknown) => {
  reportFailure(error);
  process.exit(1);
});
