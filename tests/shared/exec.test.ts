import { describe, expect, it } from 'vitest';
import { UserError } from '../../shared/errors.js';
import { MESSAGE_TAIL, Tail, exec, tail } from '../../shared/exec.js';

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
    await expect(exec(['definitely-not-a-program-xyz'])).rejects.toThrow(
      'definitely-not-a-program-xyz is not installed or not on PATH',
    );
  });

  it('kills a command at its timeout', async () => {
    const t0 = Date.now();
    await expect(exec(['sleep', '10'], { timeoutMs: 200 })).rejects.toThrow('sleep timed out after 200ms');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('keeps only a bounded tail of stderr, on whole lines, whatever a command prints', async () => {
    // 200 000 numbered lines (about 1.3 MB) on stderr, then a last word, exit 2.
    const script = 'seq 0 199999 | sed "s/^/line /" >&2; echo "the real reason" >&2; exit 2';
    const result = await exec(['bash', '-c', script], { allowFailure: true });
    expect(result.truncated).toEqual({ stdout: false, stderr: true });
    expect(result.stderr.length).toBeLessThanOrEqual(MESSAGE_TAIL);
    expect(result.stderr.length).toBeGreaterThan(MESSAGE_TAIL - 20);
    expect(result.stderr).toMatch(/^line \d+\n/);
    expect(result.stderr.endsWith('line 199999\nthe real reason\n')).toBe(true);
    const error = (await exec(['bash', '-c', script]).catch((e: unknown) => e)) as Error;
    expect(error.message.split('\n').slice(-3)).toEqual(['line 199998', 'line 199999', 'the real reason']);
  });

  it('keeps stdout whole for parsing, and only its tail when asked', async () => {
    const script = 'head -c 3000000 /dev/zero | tr "\\0" "x"; echo; echo end';
    const whole = await exec(['bash', '-c', script]);
    expect(whole.truncated.stdout).toBe(false);
    expect(whole.stdout.length).toBe(3_000_000 + 5);
    const last = await exec(['bash', '-c', script], { keep: { stdout: 1000 } });
    expect(last.truncated.stdout).toBe(true);
    expect(last.stdout).toBe('end\n');
  });

  it('Tail holds little more than its limit', () => {
    const t = new Tail(10);
    for (let i = 0; i < 1000; i++) t.push(`${i}\n`);
    expect(t.text()).toBe('998\n999\n');
    expect(t.truncated).toBe(true);
    const small = new Tail(10);
    small.push('ab');
    expect([small.text(), small.truncated]).toEqual(['ab', false]);
  });

  it('tail keeps the last non-empty lines', () => {
    expect(tail('a\n\nb\nc\n', 2)).toBe('b\nc');
  });
});
