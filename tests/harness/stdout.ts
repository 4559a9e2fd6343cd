/** For unit tests of code that writes workflow commands: what it wrote to stdout, captured per test. */
import { afterEach, beforeEach, vi } from 'vitest';

export function captureStdout(): { readonly written: string[] } {
  const capture = { written: [] as string[] };
  beforeEach(() => {
    capture.written = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      capture.written.push(String(chunk));
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());
  return capture;
}
