/**
 * $DEPLOY_OUTPUT: a file the deploy command may write `url=<value>` lines to
 * (PaaS CLIs print the URL of what they deployed, a preview's above all).
 * The last valid `url=` becomes the environment URL; anything else in the
 * file is ignored with a warning, never run or printed as a command.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { optionalHttpUrl } from '../../inputs.js';

export interface DeployOutput {
  path: string;
  /** The URL the command wrote, if any; removes the file. */
  read(warn: (line: string) => void): string | undefined;
}

export function deployOutput(tempDir: string): DeployOutput {
  const path = join(tempDir, `deploy-output-${randomBytes(6).toString('hex')}`);
  writeFileSync(path, '', { mode: 0o600 });
  return {
    path,
    read(warn) {
      let text = '';
      try {
        text = readFileSync(path, 'utf8');
      } finally {
        rmSync(path, { force: true });
      }
      let url: string | undefined;
      for (const line of text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean)) {
        const value = /^url=(.*)$/.exec(line)?.[1];
        const parsed =
          value === undefined
            ? undefined
            : optionalHttpUrl({ credentials: 'the URL is shown on the GitHub Deployment' }).safeParse(value);
        if (parsed?.success && parsed.data) url = parsed.data;
        else
          warn(
            `$DEPLOY_OUTPUT: ignored ${value === undefined ? 'a line that is not url=<value>' : `url=${value.slice(0, 200)} (expected an http(s) URL without credentials)`}`,
          );
      }
      return url;
    },
  };
}
