/**
 * Node installations for the setup tests: a runner tool cache that already
 * holds Node 24 (as hosted runner images do), and a test double of
 * https://nodejs.org/dist serving index.json and a release tarball with a real
 * Node layout (bin/node, bin/npm, bin/corepack, lib/node_modules).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeBinary } from '../harness/runner.js';
import { json, startServer, type TestServer } from '../harness/server.js';

export const NODE24 = execFileSync(nodeBinary, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
// npm and corepack are plain JavaScript: the system Node's copies run on Node 24 as well.
const SYSTEM_NODE_MODULES = '/usr/lib/node_modules';

export function nodeLayout(root: string): void {
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'lib/node_modules'), { recursive: true });
  symlinkSync(nodeBinary, join(root, 'bin/node'));
  for (const tool of ['npm', 'corepack'])
    symlinkSync(join(SYSTEM_NODE_MODULES, tool), join(root, 'lib/node_modules', tool));
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'bin/npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(root, 'bin/npx'));
  symlinkSync('../lib/node_modules/corepack/dist/corepack.js', join(root, 'bin/corepack'));
}

/** A RUNNER_TOOL_CACHE with Node 24 in it, in @actions/tool-cache's layout. */
export function toolCacheWithNode(): string {
  const cache = mkdtempSync(join(tmpdir(), 'toolcache-'));
  nodeLayout(join(cache, 'node', NODE24, 'x64'));
  writeFileSync(join(cache, 'node', NODE24, 'x64.complete'), '');
  return cache;
}

/** The nodejs.org/dist double; the first version listed is the one with a tarball. GET only. */
export async function startNodeDist(versions: { version: string; lts: string | false }[]): Promise<TestServer> {
  const work = mkdtempSync(join(tmpdir(), 'node-dist-'));
  const latest = versions[0].version;
  const name = `node-v${latest}-linux-x64`;
  nodeLayout(join(work, name));
  execFileSync('tar', ['-czf', join(work, `${name}.tar.gz`), '-C', work, name]);
  const body = readFileSync(join(work, `${name}.tar.gz`));
  return startServer((req, res) => {
    if (req.method !== 'GET') return json(res, 405, { error: 'GET only' });
    if (req.url === '/index.json')
      return json(
        res,
        200,
        versions.map((v) => ({ version: `v${v.version}`, lts: v.lts, files: ['linux-x64'] })),
      );
    if (req.url === `/v${latest}/${name}.tar.gz`) {
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': String(body.length) });
      return void res.end(body);
    }
    json(res, 404, { error: `not found: ${req.url}` });
  });
}
