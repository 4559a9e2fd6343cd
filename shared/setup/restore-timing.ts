import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { formatDuration } from '../duration.js';
import { formatSize } from '../http.js';

/** Where an exact-hit restore's time went, as @actions/cache ran it. */
export interface RestoreTiming {
  downloadMs: number;
  unpackMs: number;
  bytes?: number;
  /** What @actions/cache compresses with on this runner: zstd when `zstd` is on PATH (GitHub's runners), else gzip. */
  compression: 'zstd' | 'gzip';
}

/**
 * Run `restore` (a restoreCache call), timing its download and its unpacking
 * apart. @actions/cache gives no hook between the two, but prints
 * "Cache Size: ~N MB (B B)" on the step's output as the download ends, then
 * extracts: the time that line is written splits the two.
 */
export async function timeRestore<T>(restore: () => Promise<T>): Promise<{ result: T; timing?: RestoreTiming }> {
  const started = performance.now();
  let downloaded: { at: number; bytes?: number } | undefined;
  const { stdout } = process;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- restored as is, called on stdout below
  const write = stdout.write;
  stdout.write = (chunk: unknown, ...rest: unknown[]) => {
    const size = downloaded ? undefined : /^Cache Size: .*\((\d+) B\)/m.exec(String(chunk));
    if (size) downloaded = { at: performance.now(), bytes: Number(size[1]) };
    return (write as (...args: unknown[]) => boolean).call(stdout, chunk, ...rest);
  };
  try {
    const result = await restore();
    const ended = performance.now();
    if (!downloaded) return { result };
    return {
      result,
      timing: {
        downloadMs: downloaded.at - started,
        unpackMs: ended - downloaded.at,
        bytes: downloaded.bytes,
        compression: compression(),
      },
    };
  } finally {
    process.stdout.write = write;
  }
}

/** "download 1.2s + unpack 0.8s (3.4 MiB, zstd)". */
export function timingText(t: RestoreTiming): string {
  const size = t.bytes === undefined ? '' : `${formatSize(t.bytes)}, `;
  return `download ${formatDuration(t.downloadMs)} + unpack ${formatDuration(t.unpackMs)} (${size}${t.compression})`;
}

/** @actions/cache's own rule (utils.getCompressionMethod): zstd if a `zstd` runs, else gzip. */
function compression(): 'zstd' | 'gzip' {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of process.platform === 'win32' ? ['zstd.exe'] : ['zstd']) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return 'zstd';
      } catch {
        // not in this folder
      }
    }
  }
  return 'gzip';
}
