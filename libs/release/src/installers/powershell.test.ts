import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeTestRelease } from '../testing/release-fixture';
import { powershellInstaller } from './powershell';
import { SETTINGS } from '../testing/installer-fixtures';

// No PowerShell here (neither apt nor npm offers pwsh): the installer is checked as text only.

/** Brackets balanced outside strings and comments, a rough stand-in for a parser. */
function unbalanced(text: string): string | undefined {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      continue;
    }
    if (quote === '"' && c === '"') {
      quote = undefined;
      continue;
    }
    if (quote === undefined && c === '#') {
      i = text.indexOf('\n', i);
      if (i < 0) break;
      continue;
    }
    if (quote === undefined && (c === "'" || c === '"')) {
      quote = c;
      continue;
    }
    // Inside "...", only $( ... ) subexpressions hold code; their brackets are counted too.
    if (quote === '"' && !(c === '(' && text[i - 1] === '$') && !stack.length) continue;
    if ('([{'.includes(c)) stack.push(c);
    if (c in pairs && stack.pop() !== pairs[c]) return `unexpected ${c} at ${i}`;
  }
  return stack.length ? `unclosed ${stack.join('')}` : quote ? `unclosed ${quote}` : undefined;
}

test('the PowerShell installer names the Windows zip and its sha256, and does what the issue asks (textual check)', async () => {
  const { manifest } = await makeTestRelease('1.2.3');
  const text = powershellInstaller(manifest, SETTINGS)!;
  const zip = manifest.assets.find((a) => a.platform === 'win32-x64')!;
  assert.match(
    text,
    new RegExp(`'x64' = @\\{ File = '${zip.fileName}'; Sha256 = '${zip.sha256}'; Binary = 'codebuff.exe'; Files = @\\(\\) \\}`),
  );
  assert.equal(text.match(/File = '/g)?.length, 1, 'only Windows zips');
  assert.match(text, /\$DefaultBaseUrl = 'https:\/\/github\.com\/acme\/codebuff\/releases\/download\/v1\.2\.3'/);
  assert.match(text, /if \(\$env:CODEBUFF_DOWNLOAD_BASE_URL\) \{ \$env:CODEBUFF_DOWNLOAD_BASE_URL \} else \{ \$DefaultBaseUrl \}/);
  assert.match(text, /\$base\.TrimEnd\('\/'\)/, "the launcher's rule: trailing slashes dropped");
  assert.match(
    text,
    /if \(\$env:CODEBUFF_INSTALL_DIR\) \{ \$env:CODEBUFF_INSTALL_DIR \} elseif \(\$env:LOCALAPPDATA\) \{ Join-Path \$env:LOCALAPPDATA "Programs\\\$Name" \}/,
  );
  assert.match(text, /Get-FileHash -Algorithm SHA256/);
  assert.match(text, /\[Environment\]::SetEnvironmentVariable\('Path', .*, 'User'\)/);
  // The hash is checked before anything is written to the install directory.
  assert.ok(text.indexOf('checksum mismatch') < text.indexOf('New-Item -ItemType Directory -Path $dir'));
  assert.equal(unbalanced(text), undefined);
});

test('bracket check catches a broken script (the check itself can fail)', () => {
  assert.notEqual(unbalanced('function X { if ($a) { "x" }'), undefined);
  assert.notEqual(unbalanced("$a = 'x"), undefined);
  assert.equal(unbalanced('"$($a.b) (text) ["'), undefined);
});

test('a release without Windows zips gets no PowerShell installer', async () => {
  const { manifest } = await makeTestRelease('1.2.3');
  assert.equal(powershellInstaller({ ...manifest, assets: manifest.assets.filter((a) => a.archive !== 'zip') }, SETTINGS), undefined);
});
