/**
 * Runs inside Bun (not Node): `bun bun-compile.ts <spec.json>`. One `Bun.build({ compile })` for
 * one target, with a resolver plugin that sends every platform-specific package name to that
 * target's own fetched folder. Why a plugin and not a per-target node_modules: the plugin sees
 * exactly the names the code imports, so a name that cannot be had is refused or (when the
 * release config excludes it, with a reason) left external, never silently; and five compiles in
 * parallel each resolve from their own folder without touching the shared node_modules.
 *
 * A refusal (a platform package that cannot be had) is one line on stderr, prefixed
 * `compile-error: `, exit code 2; Bun's own build errors are printed as Bun reports them, exit 1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { BunCompileSpec } from './bun-compile-spec';

interface ResolveArgs {
  path: string;
  importer: string;
}
interface PluginBuilder {
  onResolve(options: { filter: RegExp }, callback: (args: ResolveArgs) => { path: string; external?: boolean } | undefined): void;
}
interface BuildLog {
  message: string;
  level?: string;
  position?: { file: string; line: number; column: number; lineText?: string } | null;
}
interface BuildOutput {
  success: boolean;
  logs: BuildLog[];
  metafile?: unknown;
}
declare const Bun: {
  build(options: Record<string, unknown>): Promise<BuildOutput>;
  resolveSync(specifier: string, from: string): string;
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

class CompileRefusal extends Error {}
const REFUSAL_MARK = 'package-lock.json does not provide';

function platformPackages(spec: BunCompileSpec) {
  return {
    name: 'codebuff-platform-packages',
    setup(build: PluginBuilder) {
      if (spec.platformNames.length === 0) return;
      const names = spec.platformNames.map(escapeRegExp).join('|');
      build.onResolve({ filter: new RegExp(`^(${names})(/.*)?$`) }, (args) => {
        const name = spec.platformNames.find((n) => args.path === n || args.path.startsWith(`${n}/`)) as string;
        if (spec.fetched.includes(name)) return { path: Bun.resolveSync(args.path, spec.nativeRoot) };
        if (spec.excluded[name] !== undefined) return { path: args.path, external: true };
        throw new CompileRefusal(
          `${spec.platform}: the code imports ${name}, which package-lock.json does not provide for ${spec.platform}; install it (npm install) or list it under nativeExclusions.${spec.platform} in release.config.json with a reason`,
        );
      });
    },
  };
}

async function main(): Promise<number> {
  const spec = JSON.parse(readFileSync(process.argv[2], 'utf8')) as BunCompileSpec;
  let result: BuildOutput;
  try {
    result = await Bun.build({
      entrypoints: [spec.entry],
      compile: { target: spec.bunTarget, outfile: spec.outfile, ...(spec.executablePath ? { executablePath: spec.executablePath } : {}) },
      metafile: true,
      minify: spec.minify,
      define: spec.define,
      plugins: [platformPackages(spec)],
      throw: false,
    });
  } catch (error) {
    return report(error as Error);
  }
  if (!result.success) return report(...result.logs);
  writeFileSync(spec.metafile, JSON.stringify(result.metafile));
  return 0;
}

/** Refusals as one line; anything else as Bun would print it: `error: <message>` and where. */
function report(...errors: (Error | BuildLog)[]): number {
  const refusal = errors.find((e) => e instanceof CompileRefusal || e.message.includes(REFUSAL_MARK));
  if (refusal) {
    process.stderr.write(`compile-error: ${refusal.message.replace(/^.*?(\S+: the code imports)/s, '$1').split('\n')[0]}\n`);
    return 2;
  }
  for (const e of errors) {
    const where = 'position' in e && e.position ? `\n    at ${e.position.file}:${e.position.line}:${e.position.column}` : '';
    process.stderr.write(`error: ${e.message}${where}\n`);
  }
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`compile-error: ${error.message.split('\n')[0]}\n`);
    process.exit(2);
  },
);
