import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ReleaseError } from '../errors';
import { admits, type NativeSet } from '../native/native-set';
import type { BunMetafile } from './bundled-inputs';
import { packageRootOf } from './bundled-inputs';

/** What a native library looks like among Bun's inputs (embedded with `with { type: 'file' }`). */
const NATIVE_LIBRARY = /\.(so|dylib|dll|node)$/;

/**
 * Proves one target's native code, from Bun's own list of what it bundled:
 * - every platform package in the binary came from this target's fetched folder, at the version
 *   the lockfile pins, and its os/cpu admit the target (libc variants of one os/cpu alike);
 * - for every bundled package that names platform packages (`@opentui/core`), each of its
 *   packages fetched for this target is in the binary, with its native library.
 * Each failure is one line naming the package and the platform; nothing is written.
 */
export function checkNativeInputs(options: { metafile: BunMetafile; cwd: string; nativeDir: string; set: NativeSet; task: string }): void {
  const { metafile, cwd, nativeDir, set, task } = options;
  const nativeModules = join(nativeDir, 'node_modules');
  const filesByPackage = new Map<string, string[]>();
  for (const input of Object.keys(metafile.inputs)) {
    const absolute = isAbsolute(input) ? input : resolve(cwd, input);
    const root = packageRootOf(absolute);
    if (!root) continue;
    const name = root.split('/node_modules/').pop() as string;
    const list = filesByPackage.get(name) ?? [];
    list.push(absolute);
    filesByPackage.set(name, list);
    if (!set.platformNames.includes(name)) continue;
    const fetched = set.packages.find((p) => p.name === name);
    if (!fetched || !root.startsWith(nativeModules)) {
      throw new ReleaseError(
        `${task}: the binary for ${set.platform} would carry ${name} from ${root}, which was not fetched for ${set.platform}`,
      );
    }
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string; os?: string[]; cpu?: string[] };
    if (pkg.version !== fetched.version || !admits(pkg, set.platform)) {
      throw new ReleaseError(
        `${task}: ${name}@${pkg.version} in the binary is not the ${fetched.version} for ${set.platform} that package-lock.json pins`,
      );
    }
  }
  for (const p of set.packages) {
    if (!filesByPackage.has(p.requiredBy)) continue;
    if (!(filesByPackage.get(p.name) ?? []).some((f) => NATIVE_LIBRARY.test(f))) {
      throw new ReleaseError(
        `${task}: ${p.requiredBy} is in the binary for ${set.platform}, but ${p.name}'s native library is not; the binary would fail to load it`,
      );
    }
  }
}
