import { describe, expect, it } from 'vitest';
import { UserError } from '../../shared/errors.js';
import { exec, tail } from '../../shared/exec.js';

describe('exec', () => {
  it('passes arguments through untouched, with no shell', async () => {
    const nasty = '$(touch /tmp/pwned-by-test); `id` && echo "x" | cat > /dev/null';
    const result = await exec(['printf', '%s', nasty]);
    expect(result.stdout).toBe(nasty);
  });

  it('feeds stdin and streams output', async () => {
    const chunks: string[] = [];
    const result = await exec(['cat'], { input: 'secret-from-stdin', onOutput: (c) => chunks.push(c) });
    expect(result.stdout).toBe('secret-from-stdin');
    expect(chunks.join('')).toBe('secret-from-stdin');
  });

  it('fails with the exit code and the last lines', async () => {
    const error = await exec(['sh', '-c', 'echo one; echo two >&2; exit 3']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe('sh -c exited with code 3\ntwo');
    const allowed = await exec(['sh', '-c', 'exit 4'], { allowFailure: true });
    expect(allowed.code).toBe(4);
  });

  it('names a missing program', async () => {
    await expect(exec(['definitely-not-a-program-xyz'])).rejects.toThrow('definitely-not-a-program-xyz is not installed or not on PATH');
  });

  it('kills a command at its timeout', async () => {
    const t0 = Date.now();
    await expect(exec(['sleep', '10'], { timeoutMs: 200 })).rejects.toThrow('sleep timed out after 200ms');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('tail keeps the last non-empty lines', () => {
    expect(tail('a\n\nb\nc\n', 2)).toBe('b\nc');
  });
});
