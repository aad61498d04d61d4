import { elf } from '@codebuff/testing/elf';

/**
 * Wraps a shell script in a real x86-64 Linux executable: a static ELF whose whole program is
 * execve("/bin/sh", ["/bin/sh", "-c", script, argv[0], argv[1], ...], envp). The launcher installs
 * a binary only if it starts with its platform's header, and its tests need programs that read
 * stdin, trap signals and print their arguments: a script does that, an ELF gets it installed.
 * Same pid after execve, so signals sent to the "binary" reach the script.
 */
export function scriptAsElf(script: string): Buffer {
  const data = Buffer.concat([Buffer.from('/bin/sh\0-c\0', 'latin1'), Buffer.from(`${script}\0`)]);
  const code: number[] = [];
  const fixups: { at: number; target: number }[] = [];
  const emit = (...bytes: number[]) => code.push(...bytes);
  /** lea reg, [rip + data offset]: disp32 patched once the code's length is known. */
  const leaRip = (modrm: number, dataOffset: number) => {
    emit(0x48, 0x8d, modrm, 0, 0, 0, 0);
    fixups.push({ at: code.length - 4, target: dataOffset });
  };
  emit(0x48, 0x8b, 0x0c, 0x24); // mov rcx, [rsp]            argc
  emit(0x48, 0x8d, 0x54, 0xcc, 0x10); // lea rdx, [rsp+rcx*8+16]  envp
  leaRip(0x3d, 0); // lea rdi, "/bin/sh"
  leaRip(0x05, 11); // lea rax, script
  emit(0x48, 0x89, 0x04, 0x24); // mov [rsp], rax            argc's slot becomes the script
  leaRip(0x05, 8); // lea rax, "-c"
  emit(0x48, 0x89, 0x44, 0x24, 0xf8); // mov [rsp-8], rax
  emit(0x48, 0x89, 0x7c, 0x24, 0xf0); // mov [rsp-16], rdi
  emit(0x48, 0x8d, 0x74, 0x24, 0xf0); // lea rsi, [rsp-16]        argv: sh, -c, script, argv[0..]
  emit(0xb8, 59, 0, 0, 0, 0x0f, 0x05); // execve
  emit(0xbf, 127, 0, 0, 0, 0xb8, 60, 0, 0, 0, 0x0f, 0x05); // exit(127) if execve failed
  const body = Buffer.from(code);
  for (const { at, target } of fixups) body.writeInt32LE(code.length + target - (at + 4), at);
  return elf(0x3e, Buffer.concat([body, data]));
}
