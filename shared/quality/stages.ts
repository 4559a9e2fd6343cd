import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runScript, type PackageManagerName } from '../setup/package-manager.js';
import { splitCommand } from './argv.js';

export const STAGES = ['lint', 'format-check', 'typecheck', 'test'] as const;
export type StageName = (typeof STAGES)[number] | 'audit';

/** The tool behind a stage decides how its findings are read. */
export type Tool = 'eslint' | 'prettier' | 'tsc' | 'vitest' | 'jest' | 'other';

export interface Stage {
  name: StageName;
  argv: string[];
  /** How it was chosen, for the log: `script "lint"`, `command`, `tsconfig.json`. */
  origin: string;
  tool: Tool;
  /** A JUnit XML file the command writes itself: read instead of adding a JSON reporter. */
  junit?: string;
}

const DEFAULT_SCRIPT: Record<(typeof STAGES)[number], string> = { lint: 'lint', 'format-check': 'format:check', typecheck: 'typecheck', test: 'test' };
// What `npm init` writes: a placeholder, not a test suite.
const PLACEHOLDER_TEST = /no test specified/;

/** The tool a command runs: `eslint src` → eslint; `npx vitest run` → vitest. */
export function toolOf(command: string): Tool {
  const words = command.trim().split(/\s+/);
  const first = ['npx', 'pnpm', 'yarn'].includes(words[0] ?? '') ? (words[1] === 'exec' ? words[2] : words[1]) : words[0];
  // A chain of commands (`a && b`) cannot take extra arguments safely: read it as opaque.
  if (/&&|\|\||;|\|/.test(command)) return first === 'tsc' ? 'tsc' : 'other';
  const name = (first ?? '').split('/').at(-1) ?? '';
  return (['eslint', 'prettier', 'tsc', 'vitest', 'jest'] as const).find((t) => t === name) ?? 'other';
}

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
    return { name, argv: runScript(pm, script), origin: `script "${script}"`, tool: toolOf(scripts[script]) };
  }
  if (!value) {
    if (name === 'typecheck' && existsSync(join(dir, 'tsconfig.json'))) return { name, argv: [bin(dir, 'tsc'), '--noEmit'], origin: 'tsconfig.json', tool: 'tsc' };
    return undefined;
  }
  const argv = splitCommand(value);
  argv[0] = bin(dir, argv[0]!);
  return { name, argv, origin: 'command', tool: toolOf(value) };
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
    const script = /"(.*)"/.exec(stage.origin)![1]!;
    return runScript(pm, script, extra);
  }
  return [...stage.argv, ...extra];
}
