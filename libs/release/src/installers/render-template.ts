import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReleaseError } from '../errors';

/** `{{name}}`: an identifier between double braces, nothing else (no spaces, filters or logic). */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * Replaces every `{{name}}` of a template with `values[name]`, verbatim: escaping for the target
 * language is the caller's job, as it alone knows the language. Strict both ways, so a template
 * and its installer module cannot drift apart unnoticed: a placeholder without a value, a value
 * without a placeholder, or a malformed placeholder (`{{ name }}`, a stray `{{`) throws.
 */
export function renderTemplate(what: string, template: string, values: Readonly<Record<string, string>>): string {
  const unused = new Set(Object.keys(values));
  const rendered = template.replace(PLACEHOLDER, (_match, name: string) => {
    if (!NAME.test(name)) throw new ReleaseError(`${what}: malformed placeholder {{${name}}}`);
    if (!Object.hasOwn(values, name)) throw new ReleaseError(`${what}: no value for placeholder {{${name}}}`);
    unused.delete(name);
    return values[name];
  });
  // Checked on the template without its placeholders: values may contain braces, the template may not.
  const stray = /\{\{|\}\}/.exec(template.replace(PLACEHOLDER, ''));
  if (stray) throw new ReleaseError(`${what}: stray "${stray[0]}" outside a {{name}} placeholder`);
  if (unused.size > 0) throw new ReleaseError(`${what}: values without a placeholder: ${[...unused].join(', ')}`);
  return rendered;
}

/** The installers' template files, beside this module: found from the source tree the pipeline runs from (tsx, Nx). */
export const TEMPLATES_DIR = join(__dirname, 'templates');

/** Renders `templates/<fileName>` (read on each call: a few kilobytes, once per release). */
export function renderInstallerTemplate(fileName: string, values: Readonly<Record<string, string>>): string {
  return renderTemplate(fileName, readFileSync(join(TEMPLATES_DIR, fileName), 'utf8'), values);
}
