/**
 * A real registry (Debian's docker-registry, i.e. distribution) on 127.0.0.1
 * with htpasswd authentication and filesystem storage under a temp folder.
 * 127.0.0.0/8 registries are plain HTTP for the Docker engine, so no TLS.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { json, startServer, type RecordedRequest } from './server.js';

export interface TestRegistry {
  /** `127.0.0.1:<port>`: the registry part of image names and the `docker login` server. */
  host: string;
  url: string;
  username: string;
  password: string;
  dir: string;
  /** GET a registry API path (e.g. `/v2/acme/shop/tags/list`) with basic auth. */
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  tags(repository: string): Promise<string[]>;
  /** The `Docker-Content-Digest` the registry reports for `repository:reference`. */
  digest(repository: string, reference: string): Promise<string | undefined>;
  /** The image config (labels live in `config.Labels`). */
  config(repository: string, reference: string): Promise<{ config?: { Labels?: Record<string, string> } }>;
  /**
   * Push the local image `source` as `<host>/<target>` (logged in through a
   * client config of its own, never ~/.docker), then drop that local tag, so
   * whatever pulls it next really pulls. Returns the pushed reference.
   */
  push(source: string, target: string): string;
  stop(): Promise<void>;
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

const listening = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      done(true);
    });
    socket.on('error', () => done(false));
  });

export async function startRegistry(options: {
  port: number;
  username?: string;
  password?: string;
}): Promise<TestRegistry> {
  const { port, username = 'ci', password = 'ci-pass' } = options;
  if (await listening(port)) throw new Error(`port ${port} is already in use: pick another registry port`);
  const dir = mkdtempSync(join(tmpdir(), 'registry-'));
  writeFileSync(join(dir, 'htpasswd'), execFileSync('htpasswd', ['-Bbn', username, password], { encoding: 'utf8' }));
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: { level: warn }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
      `http: { addr: 127.0.0.1:${port} }`,
      `auth: { htpasswd: { realm: test, path: ${join(dir, 'htpasswd')} } }`,
      '',
    ].join('\n'),
  );
  const log = openSync(join(dir, 'registry.log'), 'a');
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', log, log],
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  const deadline = Date.now() + 15_000;
  while (!(await listening(port))) {
    if (exited || Date.now() > deadline)
      throw new Error(`docker-registry did not start on ${port} (see ${join(dir, 'registry.log')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = `http://127.0.0.1:${port}`;
  const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { headers: { authorization: auth, ...headers }, signal: AbortSignal.timeout(10_000) });
  return {
    host: `127.0.0.1:${port}`,
    url,
    username,
    password,
    dir,
    get,
    async tags(repository) {
      const res = await get(`/v2/${repository}/tags/list`);
      if (res.status === 404) return [];
      const body = (await res.json()) as { tags?: string[] | null };
      return [...(body.tags ?? [])].sort();
    },
    async digest(repository, reference) {
      const res = await get(`/v2/${repository}/manifests/${reference}`, { accept: MANIFEST_TYPES });
      return res.ok ? (res.headers.get('docker-content-digest') ?? undefined) : undefined;
    },
    async config(repository, reference) {
      const manifest = (await (
        await get(`/v2/${repository}/manifests/${reference}`, { accept: MANIFEST_TYPES })
      ).json()) as { config?: { digest: string } };
      if (!manifest.config) throw new Error(`${repository}:${reference} has no single-image manifest`);
      return (await (await get(`/v2/${repository}/blobs/${manifest.config.digest}`)).json()) as {
        config?: { Labels?: Record<string, string> };
      };
    },
    push(source, target) {
      const ref = `127.0.0.1:${port}/${target}`;
      const config = mkdtempSync(join(dir, 'client-'));
      const docker = (args: string[], input?: string) =>
        execFileSync('docker', ['--config', config, ...args], { input, stdio: ['pipe', 'ignore', 'pipe'] });
      docker(['login', `127.0.0.1:${port}`, '--username', username, '--password-stdin'], password);
      docker(['tag', source, ref]);
      docker(['push', '--quiet', ref]);
      docker(['image', 'rm', ref]);
      rmSync(config, { recursive: true, force: true });
      return ref;
    },
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    },
  };
}

export interface AuthFront {
  /** `127.0.0.1:<port>`: a registry of its own for the engine (its logins and credentials are keyed by this). */
  host: string;
  /** Every request received, Authorization header included (pulls, token requests, logins). */
  requests: RecordedRequest[];
  /** Whom each token it issued stands for: a user name, or `anonymous`. */
  tokens: Map<string, string>;
  /**
   * Who was behind each request that carried credentials: the Basic user (at the token endpoint), or a token's owner.
   */
  identities(): string[];
  /** Park requests whose path matches until `release()` (to stop a pull half-way). */
  hold(match: (path: string) => boolean): void;
  /** How many requests are parked. */
  readonly held: number;
  release(): void;
  close(): Promise<void>;
}

/**
 * A registry that authenticates like Docker Hub, in front of `backend`: `/v2/`
 * answers 401 with `WWW-Authenticate: Bearer realm=<its /token>`, the token
 * endpoint checks Basic credentials against `users` (and gives anonymous
 * tokens when `anonymous` is on), and GET/HEAD with a token it issued are
 * forwarded to the backend with the backend's own credentials. Images are
 * pushed to the backend and pulled through the front, which records every
 * Authorization header the engine sends it.
 */
export async function startAuthFront(options: {
  backend: TestRegistry;
  users?: Record<string, string>;
  anonymous?: boolean;
}): Promise<AuthFront> {
  const { backend, users = {}, anonymous = true } = options;
  const tokens = new Map<string, string>();
  let parked: (() => void)[] = [];
  let holding: ((path: string) => boolean) | undefined;
  const backendAuth = `Basic ${Buffer.from(`${backend.username}:${backend.password}`).toString('base64')}`;
  let realm = '';
  const challenge = () => ({
    'www-authenticate': `Bearer realm="${realm}",service="auth-front"`,
    'docker-distribution-api-version': 'registry/2.0',
  });

  const server = await startServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://front');
    const authorization = req.headers.authorization ?? '';
    if (url.pathname === '/token') {
      let who: string | undefined;
      if (authorization.startsWith('Basic ')) {
        const [user, ...rest] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
        if (user && users[user] !== undefined && users[user] === rest.join(':')) who = user;
      } else if (!authorization && anonymous) who = 'anonymous';
      if (!who) return json(res, 401, { details: 'incorrect username or password' });
      const token = `front-token-${tokens.size + 1}-${Math.random().toString(36).slice(2)}`;
      tokens.set(token, who);
      return json(res, 200, { token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() });
    }
    if (!url.pathname.startsWith('/v2/')) return json(res, 404, {});
    const token = authorization.startsWith('Bearer ') ? authorization.slice(7) : '';
    if (!tokens.has(token))
      return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, challenge());
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return json(res, 405, { errors: [{ code: 'UNSUPPORTED', message: 'pull only' }] });
    if (holding?.(url.pathname)) await new Promise<void>((done) => parked.push(done));
    await new Promise<void>((done) => {
      const headers = { ...req.headers, host: backend.host, authorization: backendAuth };
      const upstream = httpRequest(
        { host: '127.0.0.1', port: Number(backend.host.split(':')[1]), method: req.method, path: req.url, headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          up.on('end', done);
        },
      );
      upstream.on('error', () => {
        res.destroy();
        done();
      });
      upstream.end();
    });
  });
  realm = `${server.url}/token`;
  const release = () => {
    holding = undefined;
    for (const go of parked) go();
    parked = [];
  };
  return {
    host: `127.0.0.1:${server.port}`,
    requests: server.requests,
    tokens,
    identities() {
      return server.requests.flatMap((r) => {
        const auth = r.headers.authorization;
        if (!auth) return [];
        if (auth.startsWith('Basic '))
          return [`basic:${Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')[0]}`];
        if (auth.startsWith('Bearer ')) return [tokens.get(auth.slice(7)) ?? 'unknown token'];
        return ['unknown scheme'];
      });
    },
    hold(match) {
      holding = match;
    },
    get held() {
      return parked.length;
    },
    release,
    async close() {
      release();
      await server.close();
    },
  };
}
