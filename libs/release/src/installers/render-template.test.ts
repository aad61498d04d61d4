import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isReleaseError } from '../errors';
import { renderTemplate, TEMPLATES_DIR } from './render-template';

const fails = (message: RegExp) => (e: unknown) => isReleaseError(e) && message.test(e.message);

test('every placeholder gets its value verbatim, however often it appears; the rest is left as it is', () => {
  assert.equal(
    renderTemplate('t', 'a={{a}} b="{{b}}" again {{a}}\n${x} #{y} @{ z }', { a: '1', b: '$(x) {{not a placeholder}}' }),
    'a=1 b="$(x) {{not a placeholder}}" again 1\n${x} #{y} @{ z }',
  );
});

test('a placeholder right after a shell "${" is still one: ${{{v}}:-} gives ${V:-}', () => {
  assert.equal(renderTemplate('t', '${{{v}}:-} ${{v}}', { v: 'V' }), '${V:-} $V');
});

test('a placeholder without a value fails, naming it and the template', () => {
  assert.throws(
    () => renderTemplate('installer.sh.tmpl', '{{name}} {{version}}', { name: 'x' }),
    fails(/^installer\.sh\.tmpl: no value for placeholder \{\{version\}\}$/),
  );
});

test('a value without a placeholder fails, naming every one', () => {
  assert.throws(() => renderTemplate('t', '{{a}}', { a: '1', b: '2', c: '3' }), fails(/^t: values without a placeholder: b, c$/));
});

test('a malformed placeholder or a stray brace pair fails', () => {
  assert.throws(() => renderTemplate('t', '{{ a }}', { a: '1' }), fails(/^t: malformed placeholder \{\{ a \}\}$/));
  assert.throws(() => renderTemplate('t', '{{a-b}}', {}), fails(/^t: malformed placeholder \{\{a-b\}\}$/));
  assert.throws(() => renderTemplate('t', '{{a}} {{', { a: '1' }), fails(/^t: stray "\{\{" outside a \{\{name\}\} placeholder$/));
  assert.throws(() => renderTemplate('t', 'x }}', {}), fails(/^t: stray "\}\}" outside a \{\{name\}\} placeholder$/));
});

test('an inherited property is no value: {{constructor}} fails', () => {
  assert.throws(() => renderTemplate('t', '{{constructor}}', {}), fails(/no value for placeholder \{\{constructor\}\}/));
});

test('every template file parses: only well-formed placeholders', () => {
  const files = readdirSync(TEMPLATES_DIR);
  assert.deepEqual(files.sort(), ['homebrew-formula.rb.tmpl', 'installer.ps1.tmpl', 'installer.sh.tmpl']);
  for (const file of files) {
    const text = readFileSync(join(TEMPLATES_DIR, file), 'utf8');
    const names = [...new Set([...text.matchAll(/\{\{([^{}]*)\}\}/g)].map((m) => m[1]))];
    assert.ok(names.length > 0, file);
    const rendered = renderTemplate(file, text, Object.fromEntries(names.map((n) => [n, `<${n}>`])));
    assert.doesNotMatch(rendered, /\{\{|\}\}/, file);
  }
});
