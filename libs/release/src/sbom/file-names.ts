/** THIRD-PARTY-NOTICES: written by the compile beside the binary, packed beside it in the archive. */
export const NOTICES_FILE = 'THIRD-PARTY-NOTICES';
/** The SBOM's name in the compile's output folder. */
export const SBOM_FILE = 'sbom.cdx.json';
/** The SBOM's name in a release, beside its archive: `codebuff-linux-x64.cdx.json`. */
export const sbomFileName = (baseName: string, platform: string) => `${baseName}-${platform}.cdx.json`;
