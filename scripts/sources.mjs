// What a bundle is built from, as one hash: `npm run bundle` records it beside
// each dist/<name>/index.js so the bundle tests can tell at once that dist/ is
// older than the code (and say to bundle) instead of failing on old behaviour.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { actionNames, root } from './lib.mjs';

export const HASH_FILE = 'sources.sha256';

const filesUnder = (dir) =>
  existsSync(join(root, dir))
    ? readdirSync(join(root, dir), { recursive: true })
        .map((f) => join(dir, String(f)))
        .filter((f) => f.endsWith('.ts') && statSync(join(root, f)).isFile())
    : [];

/** sha256 over shared/, actions/<name>/src/, the lock file and the compiler settings, by path and content. */
export function sourcesHash(name) {
  const files = [
    ...filesUnder('shared'),
    ...filesUnder(join('actions', name, 'src')),
    'package-lock.json',
    'tsconfig.json',
    'tsconfig.build.json',
  ];
  const hash = createHash('sha256');
  for (const file of files.sort())
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(root, file)))
      .update('\0');
  return hash.digest('hex');
}

/**
 * The actions (all by default) whose dist/<name>/ was bundled from other sources than the working tree's (or not at
 * all).
 */
export function staleBundles(names = actionNames()) {
  return names.filter((name) => {
    const file = join(root, 'dist', name, HASH_FILE);
    return !existsSync(file) || readFileSync(file, 'utf8').trim() !== sourcesHash(name);
  });
}
