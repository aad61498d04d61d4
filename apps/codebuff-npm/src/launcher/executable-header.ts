import { open } from 'node:fs/promises';

/** What a platform's kernel loads: ELF on Linux, Mach-O on macOS, PE on Windows, for one CPU. */
interface ExpectedHeader {
  format: 'ELF' | 'Mach-O' | 'PE';
  /** ELF e_machine, Mach-O cputype or PE Machine for the platform's CPU. */
  machine: number;
}

const MACHINES: Record<string, Record<ExpectedHeader['format'], number>> = {
  x64: { ELF: 0x3e, 'Mach-O': 0x01000007, PE: 0x8664 },
  arm64: { ELF: 0xb7, 'Mach-O': 0x0100000c, PE: 0xaa64 },
};
const FORMATS: Record<string, ExpectedHeader['format']> = { linux: 'ELF', darwin: 'Mach-O', win32: 'PE' };

/** The header `<os>-<arch>` needs, or undefined for a platform the launcher knows no header for. */
export function expectedHeader(platform: string): ExpectedHeader | undefined {
  const [os, arch] = platform.split('-');
  const format = FORMATS[os ?? ''];
  const machine = format && MACHINES[arch ?? '']?.[format];
  return format && machine !== undefined ? { format, machine } : undefined;
}

/**
 * Why `bytes` (a file's first 4 KiB) cannot be run as a `platform` executable, or undefined if its
 * header is that platform's format for that CPU. Catches an HTML error page, a zip link stored as
 * its target's text, a truncated file, and another platform's binary under this platform's name.
 */
export function headerProblem(bytes: Buffer, platform: string): string | undefined {
  const expected = expectedHeader(platform);
  if (!expected) return undefined;
  const found = readHeader(bytes);
  if (!found)
    return `it does not start with an executable header (${expected.format} expected; it starts with ${JSON.stringify(bytes.subarray(0, 16).toString('latin1'))})`;
  if (found.format !== expected.format || found.machine !== expected.machine) {
    return `it is an executable in ${found.format} format for machine 0x${found.machine.toString(16)}, not ${expected.format} for 0x${expected.machine.toString(16)} (${platform})`;
  }
  return undefined;
}

function readHeader(b: Buffer): ExpectedHeader | undefined {
  if (b.length >= 20 && b.readUInt32BE(0) === 0x7f454c46) {
    // ELF: e_machine at 18, in the byte order EI_DATA names.
    return { format: 'ELF', machine: b[5] === 2 ? b.readUInt16BE(18) : b.readUInt16LE(18) };
  }
  if (b.length >= 8 && b.readUInt32LE(0) === 0xfeedfacf) return { format: 'Mach-O', machine: b.readUInt32LE(4) };
  if (b.length >= 0x40 && b.toString('latin1', 0, 2) === 'MZ') {
    const pe = b.readUInt32LE(0x3c);
    if (pe + 6 <= b.length && b.toString('latin1', pe, pe + 4) === 'PE\0\0') return { format: 'PE', machine: b.readUInt16LE(pe + 4) };
  }
  return undefined;
}

export async function readHead(path: string, length = 4096): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
