import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheKey } from '../../shared/setup/dependency-cache.js';
import { isNodeVersionSpec, requestedNodeVersion } from '../../shared/setup/node-version.js';
import { detectPackageManager, frozenInstall, storePathCommand } from '../../shared/setup/package-manager.js';

/** A project folder holding the given files (objects are written as JSON). */
function project(files: Record<string, string | object>): string {
  const dir = mkdtempSync(join(tmpdir(), 'setup-unit-'));
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

describe('requestedNodeVersion: node-version, node-version-file and their defaults', () => {
  it('takes the input before any file', () => {
    expect(requestedNodeVersion(project({ '.nvmrc': '20\n' }), 'v22.1.0', undefined)).toEqual({
      spec: '22.1.0',
      source: 'input node-version',
    });
  });
  it('reads the named file, package.json included', () => {
    const dir = project({ '.tool': '# pinned\nlts/iron\n', 'package.json': { engines: { node: '>=20' } } });
    expect(requestedNodeVersion(dir, undefined, '.tool')).toEqual({ spec: 'lts/iron', source: '.tool' });
    expect(requestedNodeVersion(dir, undefined, 'package.json')).toEqual({ spec: '>=20', source: 'package.json' });
    expect(() => requestedNodeVersion(dir, undefined, '.nvmrc')).toThrow(
      /^Invalid input: "node-version-file": expected a file in .*; \.nvmrc does not exist$/,
    );
    expect(() => requestedNodeVersion(project({ empty: '\n# nothing\n' }), undefined, 'empty')).toThrow(
      /names no Node version/,
    );
  });
  it('refuses a file naming something that is not a version, before any download', () => {
    expect(() => requestedNodeVersion(project({ '.tool': 'twenty-two\n' }), undefined, '.tool')).toThrow(
      /^Invalid input: "node-version-file": expected a file naming a Node version or range .*; \.tool names "twenty-two"$/,
    );
    expect(() => requestedNodeVersion(project({ '.nvmrc': '$(curl evil)\n' }), undefined, undefined)).toThrow(
      /^\.nvmrc names "\$\(curl evil\)", not a Node version/,
    );
  });
  it.each(['24', 'v24.9.0', '>=22', '^22 || ^24', '24.x', 'lts/*', 'lts/iron', 'node', 'latest', 'current'])(
    '%s is a Node version spec',
    (spec) => expect(isNodeVersionSpec(spec)).toBe(true),
  );
  it.each(['lts', 'twenty', '-1', '22; rm -rf /', '$(id)', 'lts/-1'])('%s is not a Node version spec', (spec) =>
    expect(isNodeVersionSpec(spec)).toBe(false),
  );
  it('defaults to .nvmrc, then .node-version, then package.json volta.node, then engines.node, then the Node on PATH', () => {
    const pkg = { volta: { node: '22.11.0' }, engines: { node: '>=20' } };
    expect(
      requestedNodeVersion(
        project({ '.nvmrc': 'node', '.node-version': '22', 'package.json': pkg }),
        undefined,
        undefined,
      ),
    ).toEqual({ spec: '*', source: '.nvmrc' });
    expect(
      requestedNodeVersion(project({ '.node-version': 'v22\n', 'package.json': pkg }), undefined, undefined),
    ).toEqual({ spec: '22', source: '.node-version' });
    expect(requestedNodeVersion(project({ 'package.json': pkg }), undefined, undefined)).toEqual({
      spec: '22.11.0',
      source: 'package.json',
    });
    expect(
      requestedNodeVersion(project({ 'package.json': { engines: { node: '>=20' } } }), undefined, undefined),
    ).toEqual({ spec: '>=20', source: 'package.json' });
    expect(requestedNodeVersion(project({ 'package.json': { name: 'x' } }), undefined, undefined)).toEqual({
      source: 'the Node already on PATH',
    });
  });
  it('names a package.json that is not JSON', () => {
    expect(() => requestedNodeVersion(project({ 'package.json': '{ nope' }), undefined, undefined)).toThrow(
      /package\.json is not valid JSON/,
    );
  });
});

describe('detectPackageManager and the commands of each package manager', () => {
  it('auto: the packageManager field (without its hash), else the lockfile, else npm', () => {
    expect(
      detectPackageManager(
        project({ 'package.json': { packageManager: 'pnpm@9.15.9+sha512.abc' }, 'pnpm-lock.yaml': '' }),
        'auto',
      ),
    ).toEqual({ name: 'pnpm', pinned: '9.15.9', lockfile: 'pnpm-lock.yaml' });
    expect(detectPackageManager(project({ 'package.json': {}, 'yarn.lock': '' }), 'auto')).toEqual({
      name: 'yarn',
      pinned: undefined,
      lockfile: 'yarn.lock',
    });
    expect(detectPackageManager(project({ 'package.json': {}, 'npm-shrinkwrap.json': '{}' }), 'auto')).toEqual({
      name: 'npm',
      pinned: undefined,
      lockfile: 'npm-shrinkwrap.json',
    });
    expect(detectPackageManager(project({ 'package.json': {} }), 'auto')).toEqual({
      name: 'npm',
      pinned: undefined,
      lockfile: undefined,
    });
  });
  it('an explicit input wins; the lockfile must then be that manager’s', () => {
    expect(
      detectPackageManager(
        project({ 'package.json': { packageManager: 'yarn@4.5.0' }, 'package-lock.json': '{}' }),
        'npm',
      ),
    ).toEqual({ name: 'npm', pinned: undefined, lockfile: 'package-lock.json' });
    expect(
      detectPackageManager(project({ 'package.json': {}, 'package-lock.json': '{}' }), 'pnpm').lockfile,
    ).toBeUndefined();
  });
  it('rejects a packageManager field without an exact version', () => {
    expect(() => detectPackageManager(project({ 'package.json': { packageManager: 'pnpm@latest' } }), 'auto')).toThrow(
      /expected npm, pnpm or yarn with an exact version/,
    );
  });
  it('frozen installs and store paths: npm, pnpm, yarn 1 and yarn berry', () => {
    expect(frozenInstall('npm', '10.9.0')).toEqual(['npm', 'ci', '--no-audit', '--no-fund']);
    expect(frozenInstall('pnpm', '9.15.9')).toEqual(['pnpm', 'install', '--frozen-lockfile']);
    expect(frozenInstall('yarn', '1.22.22')).toEqual(['yarn', 'install', '--frozen-lockfile', '--non-interactive']);
    expect(frozenInstall('yarn', '4.5.0')).toEqual(['yarn', 'install', '--immutable']);
    expect(storePathCommand('pnpm', '9.15.9')).toEqual(['pnpm', 'store', 'path', '--silent']);
    expect(storePathCommand('yarn', '1.22.22')).toEqual(['yarn', 'cache', 'dir']);
    expect(storePathCommand('yarn', '4.5.0')).toEqual(['yarn', 'config', 'get', 'cacheFolder']);
  });
});

describe('cacheKey', () => {
  const parts = (dir: string, extra: Partial<Parameters<typeof cacheKey>[0]> = {}) => ({
    os: 'Linux',
    arch: 'X64',
    nodeVersion: '24.9.0',
    packageManager: 'pnpm',
    packageManagerVersion: '9.15.9',
    lockfilePath: join(dir, 'pnpm-lock.yaml'),
    manifestPath: join(dir, 'package.json'),
    ...extra,
  });
  const base = () =>
    project({
      'pnpm-lock.yaml': 'lockfileVersion: 9.0\n',
      'package.json': { version: '1.0.0', dependencies: { zod: '3.23.8' } },
    });

  it('names OS, architecture, Node major, package manager and version; the restore prefix is all but the hash', () => {
    const { key, restorePrefix } = cacheKey(parts(base(), { suffix: 'e2e' }));
    expect(key).toMatch(/^setup-deps-Linux-X64-node24-pnpm9\.15\.9-[0-9a-f]{64}-e2e$/);
    expect(restorePrefix).toBe('setup-deps-Linux-X64-node24-pnpm9.15.9-');
  });
  it('changes with the lockfile and the dependency fields of package.json, not with its version or scripts or the Node minor', () => {
    const dir = base();
    const key = cacheKey(parts(dir)).key;
    expect(cacheKey(parts(dir, { nodeVersion: '24.10.1' })).key).toBe(key);
    expect(cacheKey(parts(dir, { nodeVersion: '22.11.0' })).key).not.toBe(key);
    expect(cacheKey(parts(dir, { arch: 'ARM64' })).key).not.toBe(key);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ version: '1.0.1', scripts: { test: 'vitest' }, dependencies: { zod: '3.23.8' } }),
    );
    expect(cacheKey(parts(dir)).key).toBe(key);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ version: '1.0.1', dependencies: { zod: '3.23.8', ms: '2.1.3' } }),
    );
    const added = cacheKey(parts(dir)).key;
    expect(added).not.toBe(key);
    writeFileSync(join(dir, 'pnpm-lock.yaml'), 'lockfileVersion: 9.0\n# changed\n');
    expect(cacheKey(parts(dir)).key).not.toBe(added);
  });
});
