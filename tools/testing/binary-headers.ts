/**
 * Just enough of ELF, Mach-O and PE to tell what a file (or a library embedded at some offset of
 * a compiled binary) is, and for which CPU: what the per-platform proofs read.
 */
export interface ObjectKind {
  format: 'elf' | 'macho' | 'pe';
  /** `x64` or `arm64`, Node's names. */
  cpu: string;
  /** Executable or shared library (ELF ET_DYN counts as a library only when `library` is asked of it). */
  type: 'executable' | 'library' | 'other';
  /** Mach-O: whether an LC_CODE_SIGNATURE load command is present. */
  signed?: boolean;
}

const ELF_MACHINE: Record<number, string> = { 62: 'x64', 183: 'arm64' };
const MACHO_CPU: Record<number, string> = { 16777223: 'x64', 16777228: 'arm64' };
const PE_MACHINE: Record<number, string> = { 34404: 'x64', 43620: 'arm64' };

export function objectKind(bytes: Buffer, at = 0): ObjectKind | undefined {
  if (bytes.readUInt32BE(at) === 0x7f454c46) {
    const type = bytes.readUInt16LE(at + 16);
    return {
      format: 'elf',
      cpu: ELF_MACHINE[bytes.readUInt16LE(at + 18)] ?? 'other',
      type: type === 2 ? 'executable' : type === 3 ? 'library' : 'other',
    };
  }
  if (bytes.readUInt32LE(at) === 0xfeedfacf) {
    const fileType = bytes.readUInt32LE(at + 12);
    const commands = bytes.readUInt32LE(at + 16);
    let signed = false;
    let offset = at + 32;
    for (let i = 0; i < commands; i++) {
      if (bytes.readUInt32LE(offset) === 0x1d) signed = true; // LC_CODE_SIGNATURE
      offset += bytes.readUInt32LE(offset + 4);
    }
    return {
      format: 'macho',
      cpu: MACHO_CPU[bytes.readUInt32LE(at + 4)] ?? 'other',
      type: fileType === 2 ? 'executable' : fileType === 6 ? 'library' : 'other',
      signed,
    };
  }
  if (bytes.readUInt16BE(at) === 0x4d5a) {
    const pe = at + bytes.readUInt32LE(at + 0x3c);
    if (pe + 24 > bytes.length || bytes.readUInt32BE(pe) !== 0x50450000) return undefined;
    const characteristics = bytes.readUInt16LE(pe + 22);
    return {
      format: 'pe',
      cpu: PE_MACHINE[bytes.readUInt16LE(pe + 4)] ?? 'other',
      type: characteristics & 0x2000 ? 'library' : characteristics & 0x0002 ? 'executable' : 'other',
    };
  }
  return undefined;
}
