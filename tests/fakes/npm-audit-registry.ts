/**
 * Test double of the npm registry's audit service, for `npm audit --registry`:
 * POST /-/npm/v1/security/advisories/bulk (a JSON body, gzip-encoded by npm,
 * mapping package names to the installed versions) answers the advisories
 * whose vulnerable range covers a requested version, in the registry's bulk
 * format; GET /<name> serves a minimal packument so npm can work out which
 * versions fix them. Requests are validated; violations are recorded.
 * `auditStatus` makes the audit endpoint answer like a registry without one.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import semver from 'semver';

export interface Advisory {
  id: number;
  url: string;
  title: string;
  severity: 'info' | 'low' | 'moderate' | 'high' | 'critical';
  vulnerable_versions: string;
  cwe: string[];
  cvss: { score: number; vectorString: string | null };
}

export interface FakeAuditRegistry {
  url: string;
  bulkRequests: Record<string, string[]>[];
  violations: string[];
  /** Answer the audit endpoint with this status instead (e.g. 405, as a registry without audits does). */
  auditStatus?: number;
  close(): Promise<void>;
}

export async function startFakeAuditRegistry(
  advisories: Record<string, Advisory[]>,
  versions: Record<string, string[]>,
): Promise<FakeAuditRegistry> {
  const state: Omit<FakeAuditRegistry, 'close' | 'url'> = { bulkRequests: [], violations: [] };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const handle = (req: IncomingMessage, raw: Buffer, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://registry');
    if (url.pathname === '/-/npm/v1/security/advisories/bulk') {
      if (req.method !== 'POST') return send(res, 405, { error: 'POST only' });
      if (state.auditStatus) return send(res, state.auditStatus, {});
      let body: unknown;
      try {
        const text =
          req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
        body = JSON.parse(text);
      } catch {
        state.violations.push('bulk body is not (gzipped) JSON');
        return send(res, 400, { error: 'bad body' });
      }
      const valid =
        typeof body === 'object' &&
        body !== null &&
        Object.values(body).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string' && semver.valid(x)));
      if (!valid) {
        state.violations.push(`bulk body must map package names to lists of versions: ${JSON.stringify(body)}`);
        return send(res, 400, { error: 'bad body' });
      }
      const request = body as Record<string, string[]>;
      state.bulkRequests.push(request);
      const answer: Record<string, Advisory[]> = {};
      for (const [name, installed] of Object.entries(request)) {
        const hits = (advisories[name] ?? []).filter((a) =>
          installed.some((v) => semver.satisfies(v, a.vulnerable_versions)),
        );
        if (hits.length) answer[name] = hits;
      }
      return send(res, 200, answer);
    }
    if (req.method !== 'GET') return send(res, 405, { error: 'method not allowed' });
    const name = decodeURIComponent(url.pathname.slice(1));
    const known = versions[name];
    if (!known) return send(res, 404, { error: 'Not found' });
    const latest = semver.rsort([...known])[0];
    send(res, 200, {
      name,
      'dist-tags': { latest },
      versions: Object.fromEntries(
        known.map((v) => [v, { name, version: v, dist: { tarball: `${base}/${name}/-/${name}-${v}.tgz` } }]),
      ),
    });
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url: `${base}/`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  });
}

/** The real minimist advisory (GHSA-xvch-5gv4-984h), as the registry returns it. */
export const MINIMIST_ADVISORY: Advisory = {
  id: 1179,
  url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h',
  title: 'Prototype Pollution in minimist',
  severity: 'critical',
  vulnerable_versions: '<1.2.6',
  cwe: ['CWE-1321'],
  cvss: { score: 9.8, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
};
