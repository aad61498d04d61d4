// What a compile leaves beside the binary, apart from the code that makes it: the bundle reads
// these names and the record without loading the compiler (or the SBOM libraries it uses).

export const COMPILE_RECORD = 'compile.json';
/** Bun's metafile, kept beside the binary: the list of every file compiled in, which the SBOM is made from. */
export const METAFILE = 'bun-metafile.json';

/** What compile promises about the binary it left; bundle re-checks it before packaging. */
export interface CompileRecord {
  platform: string;
  bunTarget: string;
  bunVersion: string;
  version: string;
  binaryName: string;
  size: number;
  sha256: string;
  /** The SBOM (sbom.cdx.json) and THIRD-PARTY-NOTICES beside the binary, when the compile made them. */
  sbom?: { fileName: string; sha256: string };
  notices?: { fileName: string; sha256: string };
}
