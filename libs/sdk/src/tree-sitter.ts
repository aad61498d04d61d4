import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Parser } from 'web-tree-sitter';

export const TREE_SITTER_WASM = 'tree-sitter.wasm';

/**
 * tree-sitter's runtime is a wasm file that ships beside the binary (embedding it failed on
 * Windows for the real CLI), so it is looked up next to the executable; CODEBUFF_TREE_SITTER_WASM
 * points elsewhere (running from source).
 */
export function treeSitterWasmPath(): string {
  return process.env.CODEBUFF_TREE_SITTER_WASM ?? join(dirname(process.execPath), TREE_SITTER_WASM);
}

/** Loads tree-sitter's wasm; says what it loaded, or why not. */
export async function loadTreeSitter(): Promise<string> {
  const wasm = treeSitterWasmPath();
  if (!existsSync(wasm)) return `tree-sitter: ${wasm} is missing`;
  try {
    await Parser.init({ locateFile: () => wasm });
    new Parser();
    return `tree-sitter: ready (${wasm})`;
  } catch (error) {
    return `tree-sitter: ${wasm} failed to load: ${(error as Error).message}`;
  }
}
