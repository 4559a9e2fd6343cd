/**
 * A real registry (Debian's docker-registry, i.e. distribution) on 127.0.0.1
 * with htpasswd authentication and filesystem storage under a temp folder.
 * 127.0.0.0/8 registries are plain HTTP for the Docker engine, so no TLS.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

export async function startRegistry(options: { port: number; username?: string; password?: string }): Promise<TestRegistry> {
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
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', log, log] });
  let exited = false;
  child.on('exit', () => (exited = true));
  const deadline = Date.now() + 15_000;
  while (!(await listening(port))) {
    if (exited || Date.now() > deadline) throw new Error(`docker-registry did not start on ${port} (see ${join(dir, 'registry.log')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = `http://127.0.0.1:${port}`;
  const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${url}${path}`, { headers: { authorization: auth, ...headers }, signal: AbortSignal.timeout(10_000) });
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
      const manifest = (await (await get(`/v2/${repository}/manifests/${reference}`, { accept: MANIFEST_TYPES })).json()) as { config?: { digest: string } };
      if (!manifest.config) throw new Error(`${repository}:${reference} has no single-image manifest`);
      return (await (await get(`/v2/${repository}/blobs/${manifest.config.digest}`)).json()) as { config?: { Labels?: Record<string, string> } };
    },
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    },
  };
}
