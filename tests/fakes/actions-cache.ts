/**
 * Test double of GitHub's cache service (v2), as @actions/cache talks to it:
 * Twirp JSON RPCs under /twirp/github.actions.results.api.v1.CacheService/
 * (bearer ACTIONS_RUNTIME_TOKEN, proto field names in requests), which hand out
 * SAS-signed blob URLs; the blobs live in a real Azurite blob service, so the
 * archive goes through the Azure SDK upload and a plain HTTP download exactly as
 * on GitHub. Every request is validated; a violation answers 400 and is recorded
 * in `violations` so a test can assert there were none.
 */
import {
  BlobSASPermissions,
  BlobServiceClient,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../harness/runner.js';
import { json, startServer, type TestServer } from '../harness/server.js';

const SERVICE = '/twirp/github.actions.results.api.v1.CacheService/';
// Azurite's well-known development account (public, documented by Microsoft).
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CONTAINER = 'actions-cache';

export interface CacheEntry {
  id: number;
  key: string;
  version: string;
  blob: string;
  sizeBytes?: number;
  finalized: boolean;
  createdAt: number;
}

export interface FakeCacheService {
  /** Environment that points @actions/cache at this double. */
  env: Record<string, string>;
  entries: CacheEntry[];
  calls: { method: string; body: Record<string, unknown> }[];
  violations: string[];
  blobUrl: string;
  close(): Promise<void>;
}

async function startAzurite(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'node_modules/azurite/dist/src/blob/main.js'),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--inMemoryPersistence',
      '--disableTelemetry',
      '--skipApiVersionCheck',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not start in 60s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listens on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`Azurite exited with ${code}:\n${output}`)));
  });
  return { url: `${url}/${ACCOUNT}`, child };
}

export async function startFakeCacheService(token = 'runtime-token-for-the-cache-double'): Promise<FakeCacheService> {
  const azurite = await startAzurite();
  const credential = new StorageSharedKeyCredential(ACCOUNT, ACCOUNT_KEY);
  const container = new BlobServiceClient(azurite.url, credential).getContainerClient(CONTAINER);
  await container.create();

  const entries: CacheEntry[] = [];
  const calls: FakeCacheService['calls'] = [];
  const violations: string[] = [];
  let nextId = 1;

  const sas = (blob: string, permissions: string) =>
    `${azurite.url}/${CONTAINER}/${blob}?${generateBlobSASQueryParameters(
      {
        containerName: CONTAINER,
        blobName: blob,
        permissions: BlobSASPermissions.parse(permissions),
        expiresOn: new Date(Date.now() + 10 * 60_000),
      },
      credential,
    ).toString()}`;

  const twirpError = (
    res: Parameters<Parameters<typeof startServer>[0]>[1],
    status: number,
    code: string,
    msg: string,
  ) => json(res, status, { code, msg });

  const server: TestServer = await startServer(async (req, res) => {
    const reject = (why: string) => {
      violations.push(`${req.method} ${req.url}: ${why}`);
      twirpError(res, 400, 'malformed', why);
    };
    if (req.method !== 'POST') return reject('Twirp calls are POSTs');
    if (!req.url?.startsWith(SERVICE)) return twirpError(res, 404, 'bad_route', `no handler for ${req.url}`);
    if (req.headers.authorization !== `Bearer ${token}`)
      return twirpError(res, 401, 'unauthenticated', 'invalid runtime token');
    if (!String(req.headers['content-type']).startsWith('application/json'))
      return reject('Content-Type must be application/json');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return reject('body is not JSON');
    }
    const method = req.url.slice(SERVICE.length);
    calls.push({ method, body });
    const { key, version } = body as { key?: unknown; version?: unknown };
    if (typeof key !== 'string' || !key || key.length > 512 || key.includes(','))
      return reject('key must be a non-empty string of at most 512 characters without commas');
    if (typeof version !== 'string' || !/^[0-9a-f]{64}$/.test(version))
      return reject('version must be the 64-hex-digit hash of paths and compression');
    const camel = Object.keys(body).find((k) => /[A-Z]/.test(k));
    if (camel) return reject(`field ${camel}: requests use proto field names (snake_case)`);

    if (method === 'CreateCacheEntry') {
      if (entries.some((e) => e.key === key && e.version === version))
        return twirpError(
          res,
          409,
          'already_exists',
          'cache entry with the same key, version, and scope already exists',
        );
      const entry: CacheEntry = {
        id: nextId++,
        key,
        version,
        blob: `${nextId}-${encodeURIComponent(key)}`,
        finalized: false,
        createdAt: Date.now(),
      };
      entries.push(entry);
      return json(res, 200, { ok: true, signed_upload_url: sas(entry.blob, 'cw') });
    }
    if (method === 'FinalizeCacheEntryUpload') {
      const entry = entries.find((e) => e.key === key && e.version === version && !e.finalized);
      if (!entry) return twirpError(res, 404, 'not_found', 'no cache entry is being uploaded for this key and version');
      if (typeof body.size_bytes !== 'string' || !/^\d+$/.test(body.size_bytes))
        return reject('size_bytes must be an int64 (a decimal string in JSON)');
      const properties = await container
        .getBlobClient(entry.blob)
        .getProperties()
        .catch(() => undefined);
      if (!properties) return reject('finalize before the archive was uploaded');
      if (properties.contentLength !== Number(body.size_bytes))
        return reject(`size_bytes ${body.size_bytes} differs from the uploaded ${properties.contentLength} bytes`);
      entry.finalized = true;
      entry.sizeBytes = Number(body.size_bytes);
      return json(res, 200, { ok: true, entry_id: String(entry.id) });
    }
    if (method === 'GetCacheEntryDownloadURL') {
      const restoreKeys = body.restore_keys ?? [];
      if (!Array.isArray(restoreKeys) || restoreKeys.some((k) => typeof k !== 'string'))
        return reject('restore_keys must be a list of strings');
      const ready = entries
        .filter((e) => e.finalized && e.version === version)
        .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
      // Exact key first, then each restore key as a prefix, newest entry first (GitHub's documented matching).
      const match =
        ready.find((e) => e.key === key) ??
        (restoreKeys as string[]).map((p) => ready.find((e) => e.key.startsWith(p))).find(Boolean);
      if (!match) return json(res, 200, { ok: false, signed_download_url: '', matched_key: '' });
      return json(res, 200, { ok: true, signed_download_url: sas(match.blob, 'r'), matched_key: match.key });
    }
    return twirpError(res, 404, 'bad_route', `no method ${method}`);
  });

  return {
    env: { ACTIONS_RESULTS_URL: `${server.url}/`, ACTIONS_RUNTIME_TOKEN: token, ACTIONS_CACHE_SERVICE_V2: 'true' },
    entries,
    calls,
    violations,
    blobUrl: azurite.url,
    close: async () => {
      await server.close();
      azurite.child.kill('SIGTERM');
    },
  };
}
