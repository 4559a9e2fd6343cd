import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runScript, type PackageManagerName } from '../setup/package-manager.js';
import { splitCommand } from './argv.js';
import { toolOf, type Tool } from './tool.js';

export const STAGES = ['lint', 'format-check', 'typecheck', 'test'] as const;
export type StageName = (typeof STAGES)[number] | 'audit';

export interface Stage {
  name: StageName;
  argv: string[];
  /** Variables the command line sets before its program (`NODE_OPTIONS=… jest`). */
  env?: Record<string, string>;
  /** What the user asked for, as the summary shows it: `npm run test`, or the command as given. */
  command: string;
  /** How it was chosen, for the log: `script "lint"`, `command`, `tsconfig.json`. */
  origin: string;
  /** The tool behind the stage decides how its findings are read. */
  tool: Tool;
  /** A JUnit XML file the command writes itself: read instead of adding a JSON reporter. */
  junit?: string;
}

const DEFAULT_SCRIPT: Record<(typeof STAGES)[number], string> = {
  lint: 'lint',
  'format-check': 'format:check',
  typecheck: 'typecheck',
  test: 'test',
};
// What `npm init` writes: a placeholder, not a test suite.
const PLACEHOLDER_TEST = /no test specified/;

/**
 * One stage from its input: empty → the conventional script (or, for
 * typecheck, `tsc --noEmit` when there is a tsconfig.json); `false`/`skip`/`none`
 * → skipped; the name of a script → that script; anything else → a command line
 * (binaries of node_modules/.bin found first).
 */
export function resolveStage(
  name: (typeof STAGES)[number],
  input: string,
  scripts: Record<string, string>,
  pm: PackageManagerName,
  dir: string,
): Stage | undefined {
  const value = input.trim();
  if (/^(false|skip|none|off)$/i.test(value)) return undefined;
  const script = value || DEFAULT_SCRIPT[name];
  if (scripts[script] !== undefined && !(name === 'test' && !value && PLACEHOLDER_TEST.test(scripts[script]))) {
    const argv = runScript(pm, script);
    return { name, argv, command: argv.join(' '), origin: `script "${script}"`, tool: toolOf(scripts[script]) };
  }
  if (!value) {
    if (name === 'typecheck' && existsSync(join(dir, 'tsconfig.json')))
      return {
        name,
        argv: [bin(dir, 'tsc'), '--noEmit'],
        command: 'tsc --noEmit',
        origin: 'tsconfig.json',
        tool: 'tsc',
      };
    return undefined;
  }
  // Without a shell, `NAME=value` words before the program are the command's environment, as a shell would read them.
  const words = splitCommand(value);
  const env: Record<string, string> = {};
  while (words.length > 1 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
    const word = words.shift()!;
    env[word.slice(0, word.indexOf('='))] = word.slice(word.indexOf('=') + 1);
  }
  words[0] = bin(dir, words[0]);
  return {
    name,
    argv: words,
    ...(Object.keys(env).length ? { env } : {}),
    command: value,
    origin: 'command',
    tool: toolOf(value),
  };
}

function bin(dir: string, command: string): string {
  const local = join(dir, 'node_modules', '.bin', command);
  return !command.includes('/') && existsSync(local) ? local : command;
}

/**
 * Arguments that make a tool also write a machine-readable report to `file`
 * (the human output stays in the log where the tool allows two outputs).
 */
export function reportArgs(tool: Tool, file: string): string[] {
  if (tool === 'eslint') return ['--format', 'json', '--output-file', file];
  if (tool === 'vitest') return ['--reporter=default', '--reporter=json', `--outputFile.json=${file}`];
  if (tool === 'jest') return ['--json', `--outputFile=${file}`];
  return [];
}

/** Append report arguments to a stage's argv (through `--` for npm scripts, as runScript does). */
export function withReport(stage: Stage, pm: PackageManagerName, file: string): string[] {
  const extra = stage.junit ? [] : reportArgs(stage.tool, file);
  if (!extra.length) return stage.argv;
  if (stage.origin.startsWith('script')) {
    const script = /"(.*)"/.exec(stage.origin)![1];
    return runScript(pm, script, extra);
  }
  return [...stage.argv, ...extra];
}
