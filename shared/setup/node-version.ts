import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { InputError, UserError } from '../errors.js';

export const NODE_VERSION_EXPECTED =
  'a Node version or range (24, 24.9.0, >=22, ^22 || ^24) or an alias (lts/*, lts/jod, node, latest)';

/** A version, a semver range or an alias installNode understands. */
export function isNodeVersionSpec(spec: string): boolean {
  const s = normalise(spec);
  return /^lts\/(\*|[a-z]+)$/i.test(s) || semver.validRange(s) !== null;
}

export interface VersionRequest {
  /** A version or range (`24`, `24.9.0`, `>=20`, `lts/*`); undefined: keep the Node on PATH. */
  spec?: string;
  /** Where it came from, for the log and summary. */
  source: string;
}

/**
 * The Node version to install: the input, else the named file, else (when the
 * file input is left at its default) the first of `.nvmrc`, `.node-version`,
 * package.json `volta.node` or `engines.node` that the project has.
 */
export function requestedNodeVersion(dir: string, input: string | undefined, file: string | undefined): VersionRequest {
  if (input) return { spec: normalise(input), source: 'input node-version' };
  if (file) {
    const path = join(dir, file);
    if (!existsSync(path) || !statSync(path).isFile())
      throw new InputError([`"node-version-file": expected a file in ${dir}; ${file} does not exist`]);
    const spec = file.endsWith('package.json') ? fromPackageJson(path) : fromVersionFile(path);
    if (!spec)
      throw new InputError([
        `"node-version-file": expected a file naming a Node version; ${file} names no Node version`,
      ]);
    if (!isNodeVersionSpec(spec))
      throw new InputError([
        `"node-version-file": expected a file naming ${NODE_VERSION_EXPECTED}; ${file} names ${JSON.stringify(spec)}`,
      ]);
    return { spec, source: file };
  }
  for (const name of ['.nvmrc', '.node-version']) {
    const path = join(dir, name);
    if (existsSync(path)) {
      const spec = fromVersionFile(path);
      if (spec) return checked(spec, name);
    }
  }
  const pkg = join(dir, 'package.json');
  const spec = existsSync(pkg) ? fromPackageJson(pkg) : undefined;
  return spec ? checked(spec, 'package.json') : { source: 'the Node already on PATH' };
}

/** A version found in the project, refused before any download when it is none. */
function checked(spec: string, source: string): VersionRequest {
  if (!isNodeVersionSpec(spec))
    throw new UserError(
      `${source} names ${JSON.stringify(spec)}, not ${NODE_VERSION_EXPECTED}; fix it or set "node-version"`,
    );
  return { spec, source };
}

function fromVersionFile(path: string): string | undefined {
  const line = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .find(Boolean);
  return line ? normalise(line) : undefined;
}

function fromPackageJson(path: string): string | undefined {
  let pkg: { volta?: { node?: string }; engines?: { node?: string } };
  try {
    pkg = JSON.parse(readFileSync(path, 'utf8')) as typeof pkg;
  } catch (error) {
    throw new UserError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const spec = pkg.volta?.node ?? pkg.engines?.node;
  return spec ? normalise(spec) : undefined;
}

/** `v24.1.0` → `24.1.0`; `node` and `latest` → `*`; `lts/*` kept (resolved against the index). */
function normalise(spec: string): string {
  const s = spec.trim().replace(/^v(?=\d)/, '');
  return s === 'node' || s === 'latest' || s === 'current' ? '*' : s;
}
