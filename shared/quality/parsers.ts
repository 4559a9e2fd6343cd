import { existsSync, readFileSync } from 'node:fs';
import { workspacePath, type Annotation } from './annotation.js';
import { stripAnsi } from '../ansi.js';

/** Where the tools' paths are relative to, and where the annotations must be relative to. */
export interface PathBase {
  projectDir: string;
  workspace: string;
}

function readJson(path: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

interface EslintMessage {
  ruleId: string | null;
  severity: number;
  message: string;
  line?: number;
  column?: number;
}

/** ESLint's `--format json`: one entry per file with its messages (severity 2 error, 1 warning). */
export function parseEslintJson(path: string, base: PathBase): Annotation[] | undefined {
  const results = readJson(path) as { filePath: string; messages: EslintMessage[] }[] | undefined;
  if (!Array.isArray(results)) return undefined;
  return results.flatMap((r) =>
    r.messages.map((m) => ({
      level: m.severity >= 2 ? ('error' as const) : ('warning' as const),
      file: workspacePath(r.filePath, base.projectDir, base.workspace),
      line: m.line,
      column: m.column,
      title: `ESLint${m.ruleId ? ` ${m.ruleId}` : ''}`,
      message: m.message,
    })),
  );
}

/**
 * tsc's diagnostics: `src/a.ts(12,5): error TS2322: message` (and `src/a.ts:12:5 - error TS2322: message` when pretty).
 */
export function parseTscOutput(text: string, base: PathBase): Annotation[] {
  const found: Annotation[] = [];
  const re = /^(.+?)(?:\((\d+),(\d+)\)|:(\d+):(\d+)) ?[:-] (error|warning) (TS\d+): (.*)$/gm;
  for (const m of stripAnsi(text).matchAll(re)) {
    found.push({
      level: m[6] === 'error' ? 'error' : 'warning',
      file: workspacePath(m[1].trim(), base.projectDir, base.workspace),
      line: Number(m[2] ?? m[4]),
      column: Number(m[3] ?? m[5]),
      title: `TypeScript ${m[7]}`,
      message: m[8],
    });
  }
  return found;
}

interface JestAssertion {
  fullName?: string;
  title: string;
  status: string;
  failureMessages?: string[];
  location?: { line: number; column: number } | null;
}

/**
 * The Jest JSON report (vitest's `json` reporter writes the same shape): a
 * failed assertion is annotated at its own line when the report has it, else
 * at the line of the test file that the failure's stack trace points to.
 */
export function parseJestJson(path: string, base: PathBase): Annotation[] | undefined {
  const report = readJson(path) as
    | { testResults?: { name: string; status: string; message?: string; assertionResults?: JestAssertion[] }[] }
    | undefined;
  if (!report || !Array.isArray(report.testResults)) return undefined;
  const found: Annotation[] = [];
  for (const file of report.testResults) {
    const rel = workspacePath(file.name, base.projectDir, base.workspace);
    const failed = (file.assertionResults ?? []).filter((a) => a.status === 'failed');
    for (const a of failed) {
      const message = stripAnsi((a.failureMessages ?? []).join('\n'));
      const line = a.location?.line ?? lineInStack(message, file.name);
      found.push({
        level: 'error',
        file: rel,
        line,
        column: a.location?.column,
        title: `Test failed: ${a.fullName ?? a.title}`,
        message: firstLines(message, 12) || 'failed',
      });
    }
    // A file that failed as a whole (syntax error, failing import) has no assertion to point at.
    if (file.status === 'failed' && !failed.length)
      found.push({
        level: 'error',
        file: rel,
        title: 'Test file failed',
        message: firstLines(file.message ?? 'failed', 12),
      });
  }
  return found;
}

function lineInStack(message: string, file: string): number | undefined {
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${escaped}:(\\d+)`).exec(message);
  return m ? Number(m[1]) : undefined;
}

const firstLines = (text: string, n: number) => text.trim().split('\n').slice(0, n).join('\n');

/** JUnit XML (`<testcase file= line=>` with `<failure message=…>`), as many test runners write it. */
export function parseJunitXml(path: string, base: PathBase): Annotation[] | undefined {
  if (!existsSync(path)) return undefined;
  const xml = readFileSync(path, 'utf8');
  const found: Annotation[] = [];
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = m[2] ?? '';
    const failure = /<(failure|error)\b([^>]*)>?/.exec(body);
    if (!failure) continue;
    const attrs = attributes(m[1]);
    const failAttrs = attributes(failure[2] ?? '');
    const file = attrs.file ?? attrs.filepath ?? attrs.classname;
    found.push({
      level: 'error',
      file: file ? workspacePath(file, base.projectDir, base.workspace) : undefined,
      // vitest writes no line attribute; its failure text ends with the stack (`❯ src/a.test.js:9:23`).
      line: attrs.line ? Number(attrs.line) : file ? lineInStack(body, file) : undefined,
      title: `Test failed: ${attrs.name ?? ''}`.trim(),
      message: failAttrs.message ?? 'failed',
    });
  }
  return found;
}

function attributes(text: string): Record<string, string> {
  const decode = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  return Object.fromEntries([...text.matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1], decode(m[2])]));
}

/** Prettier's `--check` (`[warn] src/a.ts`) or `--list-different` (bare paths) output: files that are not formatted. */
export function parsePrettierOutput(text: string, base: PathBase): Annotation[] {
  return text
    .split(/\r?\n/)
    .map((l) => stripAnsi(l).trim())
    .map((l) => (l.startsWith('[warn] ') ? l.slice(7) : l))
    .filter((l) => l && !/\s/.test(l) && /\.[A-Za-z0-9]+$/.test(l) && existsSync(`${base.projectDir}/${l}`))
    .map((file) => ({
      level: 'error' as const,
      file: workspacePath(file, base.projectDir, base.workspace),
      title: 'Prettier',
      message: 'File is not formatted with Prettier (run prettier --write on it)',
    }));
}
