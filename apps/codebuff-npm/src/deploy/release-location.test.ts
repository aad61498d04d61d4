import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localLocation, pickLocationOption, resolveLocation } from './release-location';

test('each location option resolves to the directory the launcher downloads from', () => {
  assert.equal(
    resolveLocation({ kind: 'github', repo: 'CodebuffAI/codebuff' }, '1.2.3').assetBaseUrl,
    'https://github.com/CodebuffAI/codebuff/releases/download/v1.2.3',
  );
  assert.equal(
    resolveLocation({ kind: 's3', base: 'https://bucket.s3.amazonaws.com/codebuff/' }, '1.2.3').assetBaseUrl,
    'https://bucket.s3.amazonaws.com/codebuff/1.2.3',
  );
  assert.equal(
    resolveLocation({ kind: 'url', base: 'http://127.0.0.1:9000/releases/codebuff' }, '1.2.3-beta.1').assetBaseUrl,
    'http://127.0.0.1:9000/releases/codebuff/1.2.3-beta.1',
  );
  assert.equal(
    resolveLocation({ kind: 'url', base: 'https://cdn.example.com/v{version}/bin' }, '1.2.3').assetBaseUrl,
    'https://cdn.example.com/v1.2.3/bin',
  );
  assert.equal(resolveLocation({ kind: 'url', base: 'file:///srv/releases' }, '1.2.3').assetBaseUrl, 'file:///srv/releases/1.2.3');
  assert.match(localLocation('/work/dist/release', '1.2.3').assetBaseUrl, /^file:\/\/\/.*work\/dist\/release\/1\.2\.3$/);
});

test('bad locations are refused before any work', () => {
  assert.throws(() => resolveLocation({ kind: 'github', repo: 'no-slash' }, '1.0.0'), /invalid --github "no-slash": expected owner\/repo/);
  assert.throws(() => resolveLocation({ kind: 's3', base: 'file:///x' }, '1.0.0'), /--s3-base .*expected https: or http: URL/);
  assert.throws(() => resolveLocation({ kind: 'url', base: 'not a url' }, '1.0.0'), /invalid --base-url/);
  assert.throws(
    () => resolveLocation({ kind: 'url', base: 'https://user:secret@host/x' }, '1.0.0'),
    (e: Error) => /must not contain credentials/.test(e.message) && !e.message.includes('secret'),
  );
  assert.throws(() => resolveLocation({ kind: 's3', base: 'https://host/x?X-Amz-Signature=abc' }, '1.0.0'), /must not have a query/);
});

test('exactly one location option', () => {
  assert.deepEqual(pickLocationOption({ github: 'a/b' }), { kind: 'github', repo: 'a/b' });
  assert.throws(() => pickLocationOption({}), /pass one of --github owner\/repo, --s3-base URL or --base-url URL/);
  assert.throws(() => pickLocationOption({ github: 'a/b', 'base-url': 'http://x' }), /only one/);
});
