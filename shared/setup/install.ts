/** The frozen install, and the log groups setup runs its commands in. */
import * as core from '@actions/core';
import { formatDuration } from '../duration.js';
import { UserError } from '../errors.js';
import { MESSAGE_TAIL, exec } from '../exec.js';
import { info } from '../log.js';
import { installFailureLines } from './install-failure.js';
import { frozenInstall, type PackageManager } from './package-manager.js';

/** A package manager activated at its exact version. */
export type ActivePackageManager = PackageManager & { version: string };

/** Run a command with its output streamed inside a collapsed log group. */
export async function grouped(title: string, argv: string[], cwd: string, timeoutMs: number, allowFailure = false) {
  return core.group(title, () =>
    exec(argv, {
      cwd,
      timeoutMs,
      allowFailure,
      onOutput: (chunk) => process.stdout.write(chunk),
      keep: { stdout: MESSAGE_TAIL },
    }),
  );
}

/**
 * The frozen install, its output streamed; a failure is reported by the lines that explain it. Returns its duration.
 */
export async function installDependencies(pm: ActivePackageManager, dir: string): Promise<number> {
  const argv = frozenInstall(pm.name, pm.version);
  const result = await grouped(argv.join(' '), argv, dir, 30 * 60_000, true);
  if (result.code !== 0)
    throw new UserError(
      `${argv.join(' ')} exited with code ${result.code}:\n${installFailureLines(pm.name, result).join('\n')}`,
    );
  info(`Installed dependencies in ${formatDuration(result.ms)}`);
  return result.ms;
}
