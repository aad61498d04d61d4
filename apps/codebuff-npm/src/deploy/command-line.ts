import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ReleaseError, isReleaseError } from '@codebuff/release/errors';
import { normalizeVersion } from '@codebuff/release/version';

export interface Parsed<V> {
  version: string;
  values: V;
  help: boolean;
}

/**
 * Strict parsing: unknown options, a missing or extra positional, or a non-semver version are
 * one-line errors before any work. `--help` wins over everything else.
 */
export function parseCommandLine<V>(argv: readonly string[], options: NonNullable<ParseArgsConfig['options']>): Parsed<V> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // Node's messages are long and mention internals; keep the first sentence.
    throw new ReleaseError(
      String((error as Error).message)
        .split('. ')[0]
        .replace(/\n.*/s, ''),
    );
  }
  const values = parsed.values as V & { help?: boolean };
  if (values.help) return { version: '', values, help: true };
  if (parsed.positionals.length === 0) throw new ReleaseError('missing <version> (see --help)');
  if (parsed.positionals.length > 1) throw new ReleaseError(`unexpected argument "${parsed.positionals[1]}" (see --help)`);
  return { version: normalizeVersion(parsed.positionals[0], 'version'), values, help: false };
}

/** Runs a command: ReleaseErrors print their one line; anything else prints its message too, never a stack. */
export async function runMain(name: string, body: () => Promise<void>): Promise<number> {
  try {
    await body();
    return 0;
  } catch (error) {
    const message = isReleaseError(error) ? error.message : error instanceof Error ? error.message : String(error);
    process.stderr.write(`${name}: ${message}\n`);
    return 1;
  }
}
