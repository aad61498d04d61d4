// Bun's `import path from './file.txt' with { type: 'file' }` gives the embedded file's path.
declare module '*.txt' {
  const path: string;
  export default path;
}
