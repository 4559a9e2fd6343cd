import * as core from '@actions/core';
import { isAbsolute, relative, resolve } from 'node:path';

/** One finding at a place in the code, shown by GitHub on the file and line. */
export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  /** Path relative to the workspace (what GitHub needs), or undefined when the finding has no file. */
  file?: string;
  line?: number;
  column?: number;
  title: string;
  message: string;
}

/** A path as a tool printed it (absolute, or relative to the project) → relative to the workspace. */
export function workspacePath(path: string, projectDir: string, workspace: string): string {
  const absolute = isAbsolute(path) ? path : resolve(projectDir, path);
  return relative(workspace, absolute) || '.';
}

// GitHub shows at most 10 annotations of each level per step; more only costs log lines.
const LIMIT = 50;

export function emitAnnotations(annotations: readonly Annotation[]): void {
  for (const a of annotations.slice(0, LIMIT)) {
    const props = { title: a.title, file: a.file, startLine: a.line, startColumn: a.column };
    if (a.level === 'error') core.error(a.message, props);
    else if (a.level === 'warning') core.warning(a.message, props);
    else core.notice(a.message, props);
  }
  if (annotations.length > LIMIT)
    core.warning(`${annotations.length - LIMIT} more findings are not annotated; see the log`);
}

export const where = (a: Annotation) =>
  a.file ? `${a.file}${a.line ? `:${a.line}${a.column ? `:${a.column}` : ''}` : ''}` : '';
