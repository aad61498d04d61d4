import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { after, before, test } from 'node:test';
import { ReleaseError } from '../../errors';
import { uploadRelease } from '../upload-release';
import { gitHubFailure } from './errors';
import { startFixture, TOKEN, type GitHubFixture } from '@codebuff/testing/github-fixture';

// The token must not show up anywhere: not in what is printed, not in error messages, not in
// stack traces or anything reachable from a thrown error.

const WRONG_TOKEN = 'ghp_wrongsecret0123456789abcdef0123456789';

let gh: GitHubFixture;
before(async () => {
  gh = await startFixture();
});
after(() => gh.close());

/** Runs `work` with stdout and stderr captured (and still swallowed), returning what was written. */
async function capture(work: () => Promise<void>): Promise<string> {
  const written: string[] = [];
  const original = { out: process.stdout.write, err: process.stderr.write };
  const grab = (chunk: unknown) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  process.stdout.write = grab as typeof process.stdout.write;
  process.stderr.write = grab as typeof process.stderr.write;
  try {
    await work();
  } finally {
    process.stdout.write = original.out;
    process.stderr.write = original.err;
  }
  return written.join('');
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Everything an error exposes: message, stack, own and hidden properties, causes. */
const everything = (error: unknown) =>
  inspect(error, { depth: Infinity, showHidden: true, getters: true }) + String((error as Error)?.stack);

test('no output, message, stack or error property carries the token', async () => {
  const errors: unknown[] = [];
  const keep = (run: () => Promise<unknown>) =>
    Promise.resolve()
      .then(run)
      .then(
        () => undefined,
        (e: unknown) => void errors.push(e),
      );
  const printed = await capture(async () => {
    // Default logger (stderr), with faults that make the destination and Octokit warn and retry.
    const loud = (extra = {}) => gh.destination({ log: undefined, ...extra });
    const ok = await gh.release('4.0.0');
    gh.api.faults.secondaryRateLimit = { count: 1, retryAfterSeconds: 1 };
    gh.api.faults.failUploads = { count: 1, status: 502, leaveHalfAsset: true };
    await uploadRelease(loud(), ok.manifest, ok.dir, { concurrency: 1 });

    const broken = await gh.release('4.1.0');
    gh.api.faults.dropUploads = { count: 2, afterBytes: 1000 };
    await keep(() => uploadRelease(loud(), broken.manifest, broken.dir, { concurrency: 1 }));
    await keep(() => uploadRelease(loud({ token: WRONG_TOKEN }), ok.manifest, ok.dir));
    await keep(() => uploadRelease(loud({ repo: 'acme/missing' }), ok.manifest, ok.dir));
    await keep(() => uploadRelease(loud({ apiUrl: `http://ghp:${TOKEN}@127.0.0.1:1` }), ok.manifest, ok.dir));
    await keep(async () => uploadRelease(loud({ apiUrl: `http://127.0.0.1:${await closedPort()}` }), ok.manifest, ok.dir));
    gh.api.rateLimit.remaining = 1;
    await keep(() => uploadRelease(loud(), ok.manifest, ok.dir));
    gh.api.rateLimit.remaining = gh.api.rateLimit.limit;
  }).catch((error: unknown) => assert.fail(`capture failed: ${String(error)}`));

  // The capture is live: the retries above were reported on stderr, and every failure was caught.
  assert.match(printed, /secondary rate limit on POST/);
  assert.match(printed, /removing the half-made asset/);
  assert.equal(errors.length, 6);
  assert.ok(
    errors.some((e) => /cannot reach GitHub \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)/.test((e as Error).message)),
    'a connection failure was among them',
  );
  if (process.env.SHOW_ERRORS) console.error(errors.map((e) => (e as Error).message).join('\n'));
  const text = printed + errors.map(everything).join('\n');
  for (const secret of [TOKEN, WRONG_TOKEN]) {
    assert.ok(
      !text.includes(secret),
      `a token leaked:\n${text
        .split('\n')
        .filter((l) => l.includes(secret))
        .join('\n')}`,
    );
  }
  assert.deepEqual(gh.api.validationErrors, []);
});

test('a GitHub message that quotes the token is redacted, and Octokit errors are not attached', () => {
  const httpError = Object.assign(new Error(`Bad credentials for token ${TOKEN}`), {
    status: 401,
    request: { headers: { authorization: `token ${TOKEN}` } },
    response: { data: { message: `token ${TOKEN} is not valid` }, headers: {} },
  });
  const failure = gitHubFailure(httpError, 'checking access', TOKEN);
  assert.ok(failure instanceof ReleaseError);
  assert.equal(
    failure.message,
    'checking access failed: GitHub rejected the token (401 token *** is not valid); check GITHUB_TOKEN / GH_TOKEN',
  );
  assert.equal(failure.cause, undefined);
  assert.ok(!everything(failure).includes(TOKEN));
});
