import parseSpdx from 'spdx-expression-parse';
import satisfies from 'spdx-satisfies';
import { ReleaseError } from '../errors';
import { ALLOW_LIST_FIELD } from './allow-list';
import type { BundledPackage } from './binary-contents';

/**
 * Refuses a binary that would carry a package whose license is missing, not an SPDX expression,
 * or not satisfied by the allow-list (`(MIT OR GPL-3.0)` passes with MIT allowed; `MIT AND
 * GPL-3.0` needs both). One line names the first such package, its license and where to allow it.
 */
export function checkLicenses(
  packages: readonly BundledPackage[],
  allowed: readonly string[],
  where: { task: string; configFile: string },
): void {
  for (const pkg of [...packages].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version))) {
    const id = `${pkg.name}@${pkg.version}`;
    if (pkg.license === undefined) {
      throw new ReleaseError(
        `${where.task}: the binary would bundle ${id}, whose package.json declares no license; replace the package, or ask its authors for one`,
      );
    }
    try {
      parseSpdx(pkg.license);
    } catch {
      throw new ReleaseError(
        `${where.task}: the binary would bundle ${id}, whose license "${pkg.license}" is not an SPDX expression, so it cannot be checked against ${ALLOW_LIST_FIELD} in ${where.configFile}; replace the package, or ask its authors for an SPDX license`,
      );
    }
    if (!satisfies(pkg.license, [...allowed])) {
      throw new ReleaseError(
        `${where.task}: the binary would bundle ${id}, licensed ${pkg.license}, which is not allowed; add it to ${ALLOW_LIST_FIELD} in ${where.configFile} if it may ship, or remove the package`,
      );
    }
  }
}
