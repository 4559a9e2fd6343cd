import * as core from '@actions/core';

/**
 * Tell the runner to hide `value` in every later log line. Multi-line secrets
 * (keys, kubeconfigs) are masked line by line too, because the runner matches
 * single lines.
 */
export function mask(value: string | undefined): void {
  if (!value) return;
  core.setSecret(value);
  if (value.includes('\n')) {
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= 4) core.setSecret(line.trim());
  }
}
