import { splitCommand } from './argv.js';

/** The tools whose findings are read; any other program's output is only shown. */
export const TOOLS = ['eslint', 'prettier', 'tsc', 'vitest', 'jest'] as const;
export type Tool = (typeof TOOLS)[number] | 'other';

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
/** Flags of env, npx and node that take the next word as their value. */
const ENV_VALUE_FLAGS = new Set(['-u', '--unset', '-C', '--chdir']);
const NPX_VALUE_FLAGS = new Set(['-p', '--package', '--cache', '--userconfig', '-w', '--workspace']);
const PNPM_VALUE_FLAGS = new Set(['-F', '--filter', '-C', '--dir', '--workspace-dir', '--reporter']);
const YARN_VALUE_FLAGS = new Set(['--cwd']);
const NODE_VALUE_FLAGS = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '--conditions',
  '-C',
  '--env-file',
  '--input-type',
  '--title',
]);
/**
 * How pnpm and yarn run a program by name: `pnpm exec jest`, `yarn dlx eslint`, `yarn run jest` (or just `yarn jest`).
 */
const RUNNERS = new Set(['exec', 'dlx', 'run']);

/**
 * The program a command line runs, seen through the words that only set it
 * up: leading `NAME=value` words, `env` (its assignments and flags),
 * `cross-env`, `npx` (and its flags), `pnpm exec|dlx|run` or `pnpm <bin>`,
 * `yarn exec|dlx|run` or `yarn <bin>`, `npm exec|x -- <bin>`, and `node [flags]
 * <script>` (a tool's script, as `node_modules/jest/bin/jest.js`). Undefined
 * when no program can be told: `npm exec jest` (without `--` npm takes the
 * flags we would add for itself), `npx -c '…'`, `node -e …`.
 */
export function programOf(words: readonly string[]): string | undefined {
  const rest = [...words];
  const skipFlags = (valueFlags: ReadonlySet<string>) => {
    while (rest[0]?.startsWith('-')) {
      const flag = rest.shift()!;
      if (flag === '--') return;
      if (valueFlags.has(flag)) rest.shift();
    }
  };
  for (;;) {
    const word = rest.shift();
    if (word === undefined) return undefined;
    if (ASSIGNMENT.test(word)) continue;
    if (word === 'cross-env') continue;
    if (word === 'env') {
      while (rest[0] !== undefined && (rest[0].startsWith('-') || ASSIGNMENT.test(rest[0]))) {
        const flag = rest.shift()!;
        if (flag === '-S' || flag === '--split-string') rest.unshift(...splitCommand(rest.shift() ?? ''));
        else if (ENV_VALUE_FLAGS.has(flag)) rest.shift();
      }
      continue;
    }
    if (word === 'npx') {
      if (rest.some((w) => w === '-c' || w === '--call' || w.startsWith('--call='))) return undefined;
      skipFlags(NPX_VALUE_FLAGS);
      continue;
    }
    if (word === 'pnpm' || word === 'yarn') {
      const valueFlags = word === 'pnpm' ? PNPM_VALUE_FLAGS : YARN_VALUE_FLAGS;
      skipFlags(valueFlags);
      if (RUNNERS.has(rest[0] ?? '')) rest.shift();
      skipFlags(valueFlags);
      continue;
    }
    if (word === 'npm') {
      if (!['exec', 'x'].includes(rest.shift() ?? '')) return undefined;
      const dashes = rest.indexOf('--');
      return dashes < 0 ? undefined : programOf(rest.slice(dashes + 1));
    }
    if (word === 'node' || word.endsWith('/node')) {
      if (rest.some((w) => ['-e', '--eval', '-p', '--print'].includes(w))) return undefined;
      skipFlags(NODE_VALUE_FLAGS);
      // `node_modules/jest/bin/jest.js` runs jest.
      return rest[0]?.replace(/\.[cm]?js$/, '');
    }
    return word;
  }
}

/**
 * The tool a command runs: `eslint src` → eslint; `npx vitest run` → vitest;
 * `NODE_OPTIONS=--experimental-vm-modules npx jest` → jest.
 */
export function toolOf(command: string): Tool {
  let words: string[];
  try {
    words = splitCommand(command);
  } catch {
    words = command.trim().split(/\s+/);
  }
  // `jest@29` as npx takes it is jest.
  const name = (programOf(words)?.split('/').at(-1) ?? '').replace(/(?<=.)@[^@]*$/, '');
  // A chain of commands (`a && b`) cannot take extra arguments safely: read it as opaque (tsc's output is read all the
  // same).
  if (/&&|\|\||;|\|/.test(command)) return name === 'tsc' ? 'tsc' : 'other';
  return (TOOLS as readonly string[]).includes(name) ? (name as Tool) : 'other';
}
