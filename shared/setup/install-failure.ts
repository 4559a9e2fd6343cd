import type { PackageManagerName } from './package-manager.js';
import { stripAnsi } from '../ansi.js';

/** Enough for the cause and its list of packages; a longer list is cut with a count (the log has it all). */
const MAX_LINES = 30;

// Node's own warnings (a package manager on a newer Node) say nothing about the install.
const NODE_WARNING = /^\(node:\d+\) |^\(Use `node --trace-/;

// pnpm sets its error code between thin spaces.
const linesOf = (text: string) =>
  stripAnsi(text)
    .replace(/[\u2000-\u200a]/g, ' ')
    .split(/\r?\n/);

/**
 * npm prints `npm error` lines (`npm ERR!` before npm 10): the cause, then
 * for a usage error (EUSAGE, an out-of-sync lockfile) the command's whole
 * help text, ~90 lines from "Clean install a project" on. Kept: the cause.
 */
function npmLines(stderr: string): string[] {
  const lines = linesOf(stderr)
    .map((l) => /^npm (?:ERR!|error)(?: (.*))?$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => (m[1] ?? '').trimEnd());
  const usage = lines.indexOf('Usage:');
  let end = usage < 0 ? lines.length : usage;
  // The help starts one paragraph above "Usage:", with the command's one-line description.
  if (usage >= 0) {
    while (end > 0 && lines[end - 1] === '') end--;
    while (end > 0 && lines[end - 1] !== '') end--;
  }
  return lines
    .slice(0, end)
    .filter((l) => !/^code E[A-Z0-9_]+$/.test(l) && !/^A complete log of this run can be found in/.test(l));
}

/** pnpm prints ` ERR_PNPM_<CODE>  message` and the paragraphs that explain it, on stdout. */
function pnpmLines(stdout: string, stderr: string): string[] {
  for (const text of [stdout, stderr]) {
    const lines = linesOf(text);
    const at = lines.findIndex((l) => /\bERR_PNPM_[A-Z0-9_]+\b/.test(l));
    if (at >= 0) return lines.slice(at).map((l) => l.trim());
  }
  return [];
}

/**
 * yarn 1 prints `error …` lines among its progress; yarn 2+ marks every line with a YN code (YN0000 is information).
 */
function yarnLines(stdout: string, stderr: string): string[] {
  const lines = [...linesOf(stdout), ...linesOf(stderr)];
  const classic = lines.filter((l) => l.startsWith('error ')).map((l) => l.slice('error '.length).trim());
  if (classic.length) return classic;
  return lines
    .map((l) => /^\W*(YN\d{4}): [│└┌├·\s]*(.*)$/.exec(l))
    .filter((m) => m !== null && (m[1] !== 'YN0000' || /^Failed with errors/.test(m[2])))
    .map((m) => `${m![1]}: ${m![2].trimEnd()}`);
}

/**
 * The lines of a failed frozen install that explain it, without the noise
 * around them (help text, progress, debug-log pointers): what the step's
 * error and summary show. Falls back to the output's last lines.
 */
export function installFailureLines(pm: PackageManagerName, output: { stdout: string; stderr: string }): string[] {
  const found =
    pm === 'npm'
      ? npmLines(output.stderr)
      : pm === 'pnpm'
        ? pnpmLines(output.stdout, output.stderr)
        : yarnLines(output.stdout, output.stderr);
  const lines = squeeze(found.length ? found : lastLines(output.stderr.trim() ? output.stderr : output.stdout, 15));
  return lines.length > MAX_LINES
    ? [...lines.slice(0, MAX_LINES), `… and ${lines.length - MAX_LINES} more lines (see the install's log above)`]
    : lines;
}

function lastLines(text: string, n: number): string[] {
  return linesOf(text)
    .filter((l) => l.trim() && !NODE_WARNING.test(l))
    .slice(-n);
}

/** No blank line at either end, none twice in a row. */
function squeeze(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) if (line.trim() || (out.length && out.at(-1) !== '')) out.push(line.trim() ? line : '');
  while (out.at(-1) === '') out.pop();
  return out;
}
