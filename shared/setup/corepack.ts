import * as core from '@actions/core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../exec.js';
import { UserError } from '../errors.js';
import type { PackageManager } from './package-manager.js';

/**
 * Make `pnpm`/`yarn` (and a pinned `npm`) the exact version package.json pins,
 * through corepack shims in a folder of our own (the Node folder may not be
 * writable), for this step and the job's later steps. Returns the version.
 */
export async function activatePackageManager(pm: PackageManager, shimDir: string, cwd: string): Promise<string> {
  // Later steps must never stop at corepack's "download pnpm?" prompt.
  core.exportVariable('COREPACK_ENABLE_DOWNLOAD_PROMPT', '0');
  if (pm.name !== 'npm' || pm.pinned) {
    mkdirSync(shimDir, { recursive: true });
    try {
      await exec(['corepack', 'enable', '--install-directory', shimDir, pm.name], { cwd, timeoutMs: 60_000 });
    } catch (error) {
      if ((error as Error).message.includes('not installed'))
        throw new UserError(
          `corepack is not available with this Node; it is needed to run ${pm.name}${pm.pinned ? `@${pm.pinned}` : ''}`,
        );
      throw error;
    }
    core.addPath(shimDir);
  }
  const { stdout } = await exec([pm.name, '--version'], { cwd, timeoutMs: 180_000, env: process.env });
  const version = stdout.trim().split(/\s+/).at(-1) ?? '';
  if (pm.pinned && version !== pm.pinned)
    throw new UserError(`package.json pins ${pm.name}@${pm.pinned} but ${pm.name} --version printed ${version}`);
  return version;
}

export const shimFolder = (runnerTemp: string) => join(runnerTemp, 'setup-corepack-shims');
