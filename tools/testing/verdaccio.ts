import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningRegistry {
  /** `http://127.0.0.1:<port>/`, for `--registry`. */
  url: string;
  /** A token of a user the registry created through its own login API; may publish. */
  token: string;
  /**
   * An npm userconfig (`.npmrc`) holding only this registry and its token, so npm commands in
   * tests never read the developer's ~/.npmrc nor reach any other registry.
   */
  userconfig: string;
  /** Where Verdaccio keeps published tarballs and metadata. */
  storage: string;
  close(): Promise<void>;
}

/**
 * Starts a real npm registry (Verdaccio) on 127.0.0.1 with an OS-chosen port, temp storage, no
 * uplinks (it never reaches another registry) and a fresh user, in this process.
 */
export async function startRegistry(): Promise<RunningRegistry> {
  const directory = mkdtempSync(join(tmpdir(), 'verdaccio-'));
  const storage = join(directory, 'storage');
  const configPath = join(directory, 'config.yaml');
  // JSON is YAML; absolute paths keep the registry away from the working directory.
  const config = {
    storage,
    auth: { htpasswd: { file: join(directory, 'htpasswd'), max_users: 100, algorithm: 'bcrypt', rounds: 4 } },
    uplinks: {},
    packages: { '**': { access: '$all', publish: '$authenticated', unpublish: '$authenticated' } },
    max_body_size: '1gb',
    web: { enable: false },
    log: { type: 'stdout', format: 'json', level: 'fatal' },
    server: { keepAliveTimeout: 5 },
  };
  writeFileSync(configPath, JSON.stringify(config, null, 2));

  // Loaded lazily: Verdaccio is large and only the tests that publish need it.
  const { runServer } = (await import('verdaccio')) as unknown as { runServer(path: string): Promise<Server> };
  const server = await runServer(configPath);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  const close = async () => {
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    const token = await createUser(url, 'codebuff-test', 'codebuff-test-password');
    const userconfig = join(directory, 'npmrc');
    writeFileSync(userconfig, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
    return { url, token, userconfig, storage, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** npm's own `adduser` request: Verdaccio's htpasswd plugin creates the user and answers a token. */
async function createUser(registry: string, name: string, password: string): Promise<string> {
  const response = await fetch(new URL(`-/user/org.couchdb.user:${encodeURIComponent(name)}`, registry), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [], date: new Date().toISOString() }),
  });
  const body = (await response.json()) as { token?: string; error?: string };
  if (!response.ok || !body.token) throw new Error(`registry refused to create a test user: ${response.status} ${body.error ?? ''}`);
  return body.token;
}
