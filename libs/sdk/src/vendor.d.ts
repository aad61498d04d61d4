// Bun's `import(path, { with: { type: 'file' } })` gives the embedded file's path.
declare module '*/cb-helper' {
  const path: string;
  export default path;
}
declare module '*/cb-helper.exe' {
  const path: string;
  export default path;
}
