import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const PROJECT_MARKERS = ['package.json', 'Cargo.toml', 'go.mod', 'pyproject.toml'];

/** One line about the directory Codebuff is asked to work in. */
export function describeProject(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return `not a directory: ${dir}`;
  const entries = readdirSync(dir).filter((e) => !e.startsWith('.'));
  const marker = PROJECT_MARKERS.find((m) => existsSync(join(dir, m)));
  return `${dir}: ${entries.length} entries${marker ? `, ${marker} found` : ''}`;
}
