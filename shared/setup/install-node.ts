import * as core from '@actions/core';
import { join } from 'node:path';
import semver from 'semver';
import { UserError } from '../errors.js';
import { MAX_BODY_BYTES, request } from '../http.js';

interface DistEntry {
  version: string;
  lts: string | false;
  files: string[];
}

const ARCH: Record<string, string> = { x64: 'x64', arm64: 'arm64', arm: 'armv7l', ppc64: 'ppc64le', s390x: 's390x' };

/** Where Node releases come from; NODEJS_ORG_MIRROR (as node-gyp and nvm read it) points at a mirror. */
export function distUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.NODEJS_ORG_MIRROR || 'https://nodejs.org/dist').replace(/\/$/, '');
}

/**
 * Put the requested Node on PATH: from the runner's tool cache when a matching
 * version is already there (no network at all), otherwise the newest matching
 * release from the dist index, downloaded, unpacked and added to the tool cache.
 * Returns the exact version.
 */
export async function installNode(spec: string, log: (line: string) => void): Promise<string> {
  // Loaded here, not at start-up: the post step and runs without a Node version never need it.
  const tc = await import('@actions/tool-cache');
  const arch = process.arch;
  const isRange = !tc.isExplicitVersion(spec);
  // A range is resolved against the index first so `24` means the newest 24, not whichever 24 happens to be cached.
  let version = isRange ? undefined : semver.clean(spec)!;
  let cached = version ? tc.find('node', version, arch) : '';
  if (!cached && isRange) {
    const local = tc.find('node', spec.startsWith('lts/') ? '*' : spec, arch);
    try {
      version = await resolveFromIndex(spec);
    } catch (error) {
      if (!local) throw error;
      // Offline or the index is down: a cached version that satisfies the range is good enough.
      log(`Could not read the Node release index (${(error as Error).message}); using the cached ${local}`);
    }
    cached = version ? tc.find('node', version, arch) : local;
  }
  if (cached) {
    log(`Node ${version ?? ''} found in the tool cache: ${cached}`.replace('  ', ' '));
    core.addPath(join(cached, 'bin'));
    return version ?? cached.split('/').at(-2)!;
  }
  const platformArch = ARCH[arch];
  if (process.platform !== 'linux' && process.platform !== 'darwin')
    throw new UserError(`setup installs Node on Linux and macOS runners; this runner is ${process.platform}`);
  if (!platformArch) throw new UserError(`no Node builds for architecture ${arch}`);
  const name = `node-v${version}-${process.platform}-${platformArch}`;
  const url = `${distUrl()}/v${version}/${name}.tar.gz`;
  log(`Downloading Node ${version} from ${url}`);
  let archive: string;
  try {
    archive = await tc.downloadTool(url);
  } catch (error) {
    throw new UserError(`Could not download Node ${version} from ${url}: ${(error as Error).message}`);
  }
  const extracted = await tc.extractTar(archive);
  const dir = await tc.cacheDir(join(extracted, name), 'node', version!, arch);
  core.addPath(join(dir, 'bin'));
  return version!;
}

async function resolveFromIndex(spec: string): Promise<string> {
  const url = `${distUrl()}/index.json`;
  // The index lists every release ever made and keeps growing: past the 1 MiB meant for health and API answers.
  const response = await request({
    url,
    timeoutMs: 15_000,
    retries: 3,
    deadline: Date.now() + 60_000,
    maxBodyBytes: 16 * MAX_BODY_BYTES,
  });
  if (response.status !== 200) throw new UserError(`The Node release index ${url} answered ${response.status}`);
  let entries: DistEntry[];
  try {
    entries = JSON.parse(response.body) as DistEntry[];
  } catch {
    throw new UserError(`The Node release index ${url} is not JSON`);
  }
  const lts = spec.startsWith('lts/') ? spec.slice(4).toLowerCase() : undefined;
  const candidates = entries
    .filter((e) => (lts === undefined ? true : lts === '*' ? e.lts !== false : String(e.lts).toLowerCase() === lts))
    .map((e) => e.version.replace(/^v/, ''))
    .filter((v) => semver.valid(v) && (lts !== undefined || semver.satisfies(v, spec)));
  const best = semver.rsort(candidates)[0];
  if (!best) throw new UserError(`No Node release matches "${spec}" in ${url}`);
  return best;
}
