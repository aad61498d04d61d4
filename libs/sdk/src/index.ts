export { helperPath, runHelper } from './helper';
export { sessionLines } from './session';
export { loadTreeSitter, TREE_SITTER_WASM, treeSitterWasmPath } from './tree-sitter';
