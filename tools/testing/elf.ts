/**
 * A minimal static 64-bit little-endian ELF executable: one PT_LOAD segment (R+X) holding the
 * headers and `code`, entered right after the headers. Used for the vendored helpers and for
 * test programs that must be real executables (libs/sdk/scripts/make-helpers.ts, launcher fixtures).
 */
export function elf(machine: number, code: Buffer): Buffer {
  const base = 0x400000;
  const header = Buffer.alloc(64 + 56);
  header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  header.writeUInt16LE(2, 16); // ET_EXEC
  header.writeUInt16LE(machine, 18);
  header.writeUInt32LE(1, 20);
  header.writeBigUInt64LE(BigInt(base + 120), 24); // entry: right after the headers
  header.writeBigUInt64LE(64n, 32); // program headers
  header.writeUInt16LE(64, 52);
  header.writeUInt16LE(56, 54);
  header.writeUInt16LE(1, 56);
  const total = BigInt(120 + code.length);
  header.writeUInt32LE(1, 64); // PT_LOAD
  header.writeUInt32LE(5, 68); // R+X
  header.writeBigUInt64LE(BigInt(base), 80);
  header.writeBigUInt64LE(BigInt(base), 88);
  header.writeBigUInt64LE(total, 96);
  header.writeBigUInt64LE(total, 104);
  header.writeBigUInt64LE(0x1000n, 112);
  return Buffer.concat([header, code]);
}
