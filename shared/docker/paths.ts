import { statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../errors.js';

const REMOTE = /^(https?:\/\/|git@|git:\/\/|ssh:\/\/)/;

export interface BuildPaths {
  context: string;
  file?: string;
}

function kind(path: string): 'file' | 'dir' | undefined {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

/**
 * The context and Dockerfile as absolute paths (relative ones are taken from
 * the workspace), checked before docker runs so the error says which input is
 * wrong. A remote (git/URL) context is passed through untouched.
 */
export function resolveBuildPaths(workspace: string, context: string, file: string | undefined): BuildPaths {
  if (REMOTE.test(context)) return { context, file };
  const contextPath = isAbsolute(context) ? context : resolve(workspace, context);
  if (kind(contextPath) !== 'dir')
    throw new UserError(
      `Build context not found: ${contextPath} is not a directory (input "context": ${JSON.stringify(context)}; relative paths start at the workspace ${workspace})`,
    );
  const filePath = file ? (isAbsolute(file) ? file : resolve(workspace, file)) : join(contextPath, 'Dockerfile');
  if (kind(filePath) !== 'file')
    throw new UserError(
      file
        ? `Dockerfile not found: ${filePath} (input "file": ${JSON.stringify(file)}; relative paths start at the workspace)`
        : `Dockerfile not found: ${filePath} (the context has no Dockerfile; set the "file" input)`,
    );
  return { context: contextPath, file: filePath };
}
