import parseSpdx from 'spdx-expression-parse';

/** The release.config.json field that lists the licenses a binary may carry. */
export const ALLOW_LIST_FIELD = 'allowedLicenses';

/**
 * Licenses a binary may carry when release.config.json names none: permissive ones whose only
 * condition is that the notice travels with the binary (THIRD-PARTY-NOTICES does that).
 */
export const DEFAULT_ALLOWED_LICENSES: readonly string[] = [
  '0BSD',
  'Apache-2.0',
  'BlueOak-1.0.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'CC0-1.0',
  'ISC',
  'MIT',
  'Python-2.0',
  'Unlicense',
  'Zlib',
];

/**
 * Why an allow-list entry is unusable, or undefined when it is fine: each entry must be one SPDX
 * license id (`MIT`, `GPL-2.0+`, `Apache-2.0 WITH LLVM-exception`), not a compound expression,
 * which spdx-satisfies cannot take as an approved license.
 */
export function allowListEntryProblem(entry: string): string | undefined {
  let parsed: ReturnType<typeof parseSpdx>;
  try {
    parsed = parseSpdx(entry);
  } catch {
    return `"${entry}" is not an SPDX license id (see https://spdx.org/licenses/)`;
  }
  if ('conjunction' in parsed) return `"${entry}" is an expression; list each license id on its own`;
  if (parsed.license.startsWith('LicenseRef-')) return `"${entry}" is a LicenseRef, which names no license that can be checked`;
  return undefined;
}
