/**
 * Writes the tiny helper executables in vendor/<os>-<arch>/ (committed; rerun after editing):
 *   node --import tsx libs/sdk/scripts/make-helpers.ts
 * Each prints `codebuff-helper <os>-<arch>` and exits 0. They are assembled here byte by byte
 * because no cross toolchain for macOS or Windows installs from this project's registries, and
 * the point of them is their shape (one native executable per platform, chosen at compile time),
 * not their code. The Linux ones run here (natively, under qemu-user); the PE runs under Wine;
 * the Mach-O ones use LC_UNIXTHREAD with no dyld and no signature, so a real Mac would refuse
 * to start them: the CLI only runs its helper on Linux and Windows.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { elf } from '@codebuff/testing/elf';

const message = (key: string) => Buffer.from(`codebuff-helper ${key}\n`);
const u32 = (...words: number[]) =>
  Buffer.concat(
    words.map((w) => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(w >>> 0);
      return b;
    }),
  );

function x64Linux(msg: Buffer): Buffer {
  const code = Buffer.from([
    0xb8,
    1,
    0,
    0,
    0,
    0xbf,
    1,
    0,
    0,
    0,
    0x48,
    0x8d,
    0x35,
    16,
    0,
    0,
    0,
    0xba,
    msg.length,
    0,
    0,
    0,
    0x0f,
    0x05,
    0xb8,
    60,
    0,
    0,
    0,
    0x31,
    0xff,
    0x0f,
    0x05,
  ]);
  return elf(0x3e, Buffer.concat([code, msg]));
}

function arm64Linux(msg: Buffer): Buffer {
  // mov x0,#1; adr x1,msg; mov x2,#len; mov x8,#64 (write); svc 0; mov x0,#0; mov x8,#93 (exit); svc 0
  const code = u32(0xd2800020, 0x100000e1, 0xd2800002 | (msg.length << 5), 0xd2800808, 0xd4000001, 0xd2800000, 0xd2800ba8, 0xd4000001);
  return elf(0xb7, Buffer.concat([code, msg]));
}

function pe64(): Buffer {
  const file = Buffer.alloc(0x400);
  file.write('MZ', 0, 'latin1');
  file.writeUInt32LE(0x40, 0x3c);
  file.write('PE\0\0', 0x40, 'latin1');
  const coff = 0x44;
  file.writeUInt16LE(0x8664, coff); // AMD64
  file.writeUInt16LE(1, coff + 2);
  file.writeUInt16LE(240, coff + 16);
  file.writeUInt16LE(0x22, coff + 18);
  const opt = coff + 20;
  file.writeUInt16LE(0x20b, opt); // PE32+
  file.writeUInt32LE(0x200, opt + 4); // SizeOfCode
  file.writeUInt32LE(0x1000, opt + 16); // entry
  file.writeUInt32LE(0x1000, opt + 20); // BaseOfCode
  file.writeBigUInt64LE(0x140000000n, opt + 24);
  file.writeUInt32LE(0x1000, opt + 32);
  file.writeUInt32LE(0x200, opt + 36);
  file.writeUInt16LE(6, opt + 40); // OS version
  file.writeUInt16LE(6, opt + 48); // subsystem version
  file.writeUInt32LE(0x2000, opt + 56); // SizeOfImage
  file.writeUInt32LE(0x200, opt + 60); // SizeOfHeaders
  file.writeUInt16LE(3, opt + 68); // console
  file.writeUInt16LE(0x8160, opt + 70); // DllCharacteristics: NX, dynamic base, high entropy VA, TS aware
  file.writeBigUInt64LE(0x100000n, opt + 72);
  file.writeBigUInt64LE(0x1000n, opt + 80);
  file.writeBigUInt64LE(0x100000n, opt + 88);
  file.writeBigUInt64LE(0x1000n, opt + 96);
  file.writeUInt32LE(16, opt + 108);
  const section = opt + 240;
  file.write('.text', section, 'latin1');
  file.writeUInt32LE(0x3, section + 8);
  file.writeUInt32LE(0x1000, section + 12);
  file.writeUInt32LE(0x200, section + 16);
  file.writeUInt32LE(0x200, section + 20);
  file.writeUInt32LE(0x60000020, section + 36);
  file.set([0x31, 0xc0, 0xc3], 0x200); // xor eax,eax; ret: exit code 0
  return file;
}

function machO(arm64: boolean, code: Buffer): Buffer {
  const threadState = arm64 ? 272 : 168;
  const thread = 16 + threadState;
  const sizeofcmds = 72 + 152 + thread;
  const headerSize = 32 + sizeofcmds;
  const vmBase = 0x100000000n;
  const out = Buffer.alloc(headerSize + code.length);
  out.writeUInt32LE(0xfeedfacf, 0);
  out.writeUInt32LE(arm64 ? 0x0100000c : 0x01000007, 4);
  out.writeUInt32LE(arm64 ? 0 : 3, 8);
  out.writeUInt32LE(2, 12); // MH_EXECUTE
  out.writeUInt32LE(3, 16);
  out.writeUInt32LE(sizeofcmds, 20);
  out.writeUInt32LE(1, 24); // MH_NOUNDEFS
  let at = 32;
  const segment = (name: string, vmaddr: bigint, vmsize: bigint, filesize: bigint, prot: number, nsects: number) => {
    out.writeUInt32LE(0x19, at);
    out.writeUInt32LE(72 + nsects * 80, at + 4);
    out.write(name, at + 8, 'latin1');
    out.writeBigUInt64LE(vmaddr, at + 24);
    out.writeBigUInt64LE(vmsize, at + 32);
    out.writeBigUInt64LE(0n, at + 40);
    out.writeBigUInt64LE(filesize, at + 48);
    out.writeUInt32LE(prot, at + 56);
    out.writeUInt32LE(prot, at + 60);
    out.writeUInt32LE(nsects, at + 64);
    at += 72;
  };
  segment('__PAGEZERO', 0n, vmBase, 0n, 0, 0);
  segment('__TEXT', vmBase, 0x4000n, BigInt(out.length), 5, 1);
  out.write('__text', at, 'latin1');
  out.write('__TEXT', at + 16, 'latin1');
  out.writeBigUInt64LE(vmBase + BigInt(headerSize), at + 32);
  out.writeBigUInt64LE(BigInt(code.length), at + 40);
  out.writeUInt32LE(headerSize, at + 48);
  out.writeUInt32LE(0x80000400, at + 64); // pure instructions
  at += 80;
  out.writeUInt32LE(0x5, at); // LC_UNIXTHREAD
  out.writeUInt32LE(thread, at + 4);
  out.writeUInt32LE(arm64 ? 6 : 4, at + 8);
  out.writeUInt32LE(threadState / 4, at + 12);
  out.writeBigUInt64LE(vmBase + BigInt(headerSize), at + 16 + (arm64 ? 32 : 16) * 8); // pc / rip
  code.copy(out, headerSize);
  return out;
}

const vendor = join(__dirname, '..', 'vendor');
const helpers: Record<string, [string, Buffer]> = {
  'linux-x64': ['cb-helper', x64Linux(message('linux-x64'))],
  'linux-arm64': ['cb-helper', arm64Linux(message('linux-arm64'))],
  // mov eax,0x2000001 (exit); xor edi,edi; syscall
  'darwin-x64': ['cb-helper', machO(false, Buffer.from([0xb8, 1, 0, 0, 2, 0x31, 0xff, 0x0f, 0x05]))],
  // mov x0,#0; mov x16,#1 (exit); svc 0x80
  'darwin-arm64': ['cb-helper', machO(true, u32(0xd2800000, 0xd2800030, 0xd4001001))],
  'win32-x64': ['cb-helper.exe', pe64()],
};
for (const [key, [name, bytes]] of Object.entries(helpers)) {
  mkdirSync(join(vendor, key), { recursive: true });
  writeFileSync(join(vendor, key, name), bytes, { mode: 0o755 });
}
