import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';

export type PackageManagerName = 'npm' | 'pnpm' | 'yarn';

export interface PackageManager {
  name: PackageManagerName;
  /** The version pinned by package.json `packageManager` (without its hash), if any. */
  pinned?: string;
  /** The lockfile that decided it (relative to the project), if present. */
  lockfile?: string;
}

const LOCKFILES: readonly [string, PackageManagerName][] = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

export function readPackageJson(dir: string): Record<string, unknown> | undefined {
  const path = join(dir, 'package.json');
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new UserError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** `pnpm@9.12.0+sha512.abc` → pnpm, 9.12.0. */
export function parsePackageManagerField(value: unknown): { name: PackageManagerName; version: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(npm|pnpm|yarn)@(\d+\.\d+\.\d+[^+\s]*)/.exec(value.trim());
  if (!match)
    throw new UserError(
      `package.json "packageManager" is "${value}"; expected npm, pnpm or yarn with an exact version, e.g. "pnpm@9.12.0"`,
    );
  return { name: match[1] as PackageManagerName, version: match[2] };
}

/**
 * Which package manager a project uses: the input when not `auto`, else the
 * `packageManager` field, else its lockfile, else npm.
 */
export function detectPackageManager(dir: string, requested: 'auto' | PackageManagerName): PackageManager {
  const field = parsePackageManagerField(readPackageJson(dir)?.packageManager);
  const present = LOCKFILES.filter(([file]) => existsSync(join(dir, file)));
  const name: PackageManagerName = requested !== 'auto' ? requested : (field?.name ?? present[0]?.[1] ?? 'npm');
  const lockfile = present.find(([, pm]) => pm === name)?.[0];
  return { name, pinned: field?.name === name ? field.version : undefined, lockfile };
}

/** The lockfile names a package manager reads, for error messages. */
export function lockfileNames(name: PackageManagerName): string[] {
  return LOCKFILES.filter(([, pm]) => pm === name).map(([file]) => file);
}

/** The install that never changes the lockfile. */
export function frozenInstall(name: PackageManagerName, version: string): string[] {
  if (name === 'npm') return ['npm', 'ci', '--no-audit', '--no-fund'];
  if (name === 'pnpm') return ['pnpm', 'install', '--frozen-lockfile'];
  return version.startsWith('1.')
    ? ['yarn', 'install', '--frozen-lockfile', '--non-interactive']
    : ['yarn', 'install', '--immutable'];
}

/** The command that prints where the package manager keeps downloaded packages. */
export function storePathCommand(name: PackageManagerName, version: string): string[] {
  if (name === 'npm') return ['npm', 'config', 'get', 'cache'];
  if (name === 'pnpm') return ['pnpm', 'store', 'path', '--silent'];
  return version.startsWith('1.') ? ['yarn', 'cache', 'dir'] : ['yarn', 'config', 'get', 'cacheFolder'];
}

/** The argv that runs a package.json script. */
export function runScript(name: PackageManagerName, script: string, args: readonly string[] = []): string[] {
  // npm needs `--` before the script's own arguments; pnpm and yarn would pass it on to the script.
  if (name === 'npm') return args.length ? ['npm', 'run', script, '--', ...args] : ['npm', 'run', script];
  return [name, 'run', script, ...args];
}
