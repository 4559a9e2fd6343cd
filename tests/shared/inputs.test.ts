import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InputError } from '../../shared/errors.js';
import { boolean, duration, headerLines, integer, keyValueLines, list, oneOf, optionalDuration, parseInputs, requiredText, httpUrl } from '../../shared/inputs.js';

const schema = z.object({
  url: httpUrl(),
  name: requiredText(),
  wait: duration(),
  limit: optionalDuration(),
  count: integer({ min: 1, max: 5 }),
  dry: boolean(),
  mode: oneOf(['fast', 'safe'] as const),
  hosts: list({ commas: true }),
  headers: headerLines(),
  env: keyValueLines(),
  token: requiredText(),
});

const valid = {
  url: 'https://example.com/health',
  name: ' shop ',
  wait: '1m30s',
  limit: '',
  count: '3',
  dry: 'True',
  mode: 'SAFE',
  hosts: 'a, b\n# comment\nc\n',
  headers: 'Authorization: Bearer abc\nX-Empty:',
  env: 'A=1\nB=x=y',
  token: 'tok',
};

const parse = (values: Record<string, string>) => parseInputs(schema, { secrets: ['token'], read: (n) => values[n] ?? '' });

describe('parseInputs', () => {
  it('turns raw strings into a typed config', () => {
    expect(parse(valid)).toEqual({
      url: 'https://example.com/health',
      name: 'shop',
      wait: 90_000,
      limit: undefined,
      count: 3,
      dry: true,
      mode: 'safe',
      hosts: ['a', 'b', 'c'],
      headers: { Authorization: 'Bearer abc', 'X-Empty': '' },
      env: { A: '1', B: 'x=y' },
      token: 'tok',
    });
  });

  it('reports every bad input at once, naming input, value and expectation', () => {
    let error: unknown;
    try {
      parse({ ...valid, url: 'example.com', wait: 'later', count: '9', dry: 'yes', mode: 'slow', headers: 'no colon here', env: '=x', name: '  ' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const problems = (error as InputError).problems;
    expect(problems).toEqual([
      '"url": expected an http:// or https:// URL, got "example.com"',
      '"name": expected a value (this input is required), got nothing',
      '"wait": expected a duration such as 500ms, 10s, 5m or a number of seconds, got "later"',
      '"count": expected a whole number from 1 to 5, got "9"',
      '"dry": expected true or false, got "yes"',
      '"mode": expected one of "fast", "safe", got "slow"',
      '"headers": expected lines of the form "Name: value", got "no colon here"',
      '"env": expected lines of the form KEY=value, got "=x"',
    ]);
    expect((error as InputError).message).toMatch(/^Invalid inputs:\n {2}- "url"/);
  });

  it('never echoes a secret input', () => {
    const strict = z.object({ token: z.string().transform((s, ctx) => (s.startsWith('ghp_') ? s : (ctx.addIssue({ code: 'custom', message: 'a token starting with ghp_' }), z.NEVER))) });
    expect(() => parseInputs(strict, { secrets: ['token'], read: () => 'hunter2-secret' })).toThrow('Invalid input: "token": expected a token starting with ghp_');
    try {
      parseInputs(strict, { secrets: ['token'], read: () => 'hunter2-secret' });
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });
});
