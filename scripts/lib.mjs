// Helpers shared by the repository scripts (bundle, docs, bench).
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every action: a folder under actions/ with an action.yml (JavaScript and composite actions). */
export function allActionNames() {
  return readdirSync(join(root, 'actions'))
    .filter((name) => existsSync(join(root, 'actions', name, 'action.yml')))
    .sort();
}

/** The actions bundled into dist/: JavaScript actions with a src/main.ts (a composite has no code of its own). */
export function actionNames() {
  return allActionNames().filter(
    (name) => readAction(name).runs?.using !== 'composite' && existsSync(join(root, 'actions', name, 'src', 'main.ts')),
  );
}

export function readAction(name) {
  return parse(readFileSync(join(root, 'actions', name, 'action.yml'), 'utf8'));
}
