// Helpers shared by the repository scripts (bundle, docs, bench).
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every action: a folder under actions/ with an action.yml and a src/main.ts. */
export function actionNames() {
  return readdirSync(join(root, 'actions'))
    .filter((name) => existsSync(join(root, 'actions', name, 'action.yml')) && existsSync(join(root, 'actions', name, 'src', 'main.ts')))
    .sort();
}

export function readAction(name) {
  return parse(readFileSync(join(root, 'actions', name, 'action.yml'), 'utf8'));
}
