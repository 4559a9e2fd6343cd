import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InputError } from '../../shared/errors.js';
import {
  MAX_LINE,
  MAX_TEXT,
  boolean,
  duration,
  filePath,
  headerLines,
  httpUrl,
  integer,
  keyValueLines,
  list,
  multiLine,
  oneOf,
  optionalDuration,
  optionalHttpUrl,
  optionalText,
  parseInputs,
  requiredText,
  secretText,
  text,
} from '../../shared/inputs.js';

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

const parse = (values: Record<string, string>) =>
  parseInputs(schema, { secrets: ['token'], read: (n) => values[n] ?? '' });

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
      parse({
        ...valid,
        url: 'example.com',
        wait: 'later',
        count: '9',
        dry: 'yes',
        mode: 'slow',
        headers: 'no colon here',
        env: '=x',
        name: '  ',
      });
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
      '"headers": expected lines "Name: value" (a header name, a colon, the value); line 1 is not',
      '"env": expected lines KEY=value, the key without spaces, not starting with "-"; line 1 is not, got "=x"',
    ]);
    expect((error as InputError).message).toMatch(/^Invalid inputs:\n {2}- "url"/);
  });

  it('never echoes a secret input', () => {
    const strict = z.object({
      token: z
        .string()
        .transform((s, ctx) =>
          s.startsWith('ghp_') ? s : (ctx.addIssue({ code: 'custom', message: 'a token starting with ghp_' }), z.NEVER),
        ),
    });
    expect(() => parseInputs(strict, { secrets: ['token'], read: () => 'hunter2-secret' })).toThrow(
      'Invalid input: "token": expected a token starting with ghp_',
    );
    try {
      parseInputs(strict, { secrets: ['token'], read: () => 'hunter2-secret' });
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });
});

/** The problems parseInputs reports for one input given `value`, and the add-mask commands it wrote. */
function problemsOf(field: z.ZodType, value: string, secret = false): { problems: string[]; masks: string[] } {
  const masks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string) => {
    for (const line of String(chunk).split('\n'))
      if (line.startsWith('::add-mask::')) masks.push(line.slice('::add-mask::'.length));
    return true;
  };
  try {
    parseInputs(z.object({ x: field }), { read: () => value, secrets: secret ? ['x'] : [] });
    return { problems: [], masks };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { problems: [...error.problems], masks };
  } finally {
    process.stdout.write = write;
  }
}

describe('single-line inputs', () => {
  it.each([
    ['text', text()],
    ['optionalText', optionalText()],
    ['boolean', boolean()],
    ['duration', duration()],
    ['integer', integer()],
    ['oneOf', oneOf(['a'] as const)],
    ['httpUrl', httpUrl()],
  ])('%s refuses a line break, so a value cannot print a workflow command', (_, field) => {
    const { problems } = problemsOf(field, 'https://example.com/\n::warning::owned');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^"x": expected a single line \(this value has a line break\), got "https:\/\/example.com\/\\n::warning::owned"$/,
    );
  });

  it.each([
    ['a bare carriage return', 'v1\r::warning::owned', '"v1\\r::warning::owned"'],
    ['CRLF', 'v1\r\n::warning::owned', '"v1\\r\\n::warning::owned"'],
  ])('%s is a line break too, shown escaped', (_, value, shown) => {
    for (const field of [text(), optionalText(), httpUrl()])
      expect(problemsOf(field, value).problems).toEqual([
        `"x": expected a single line (this value has a line break), got ${shown}`,
      ]);
  });

  it('a WHATWG URL would drop the newline; httpUrl refuses it instead', () => {
    expect(new URL('https://example.com/\n::warning::x').href).toBe('https://example.com/::warning::x');
    expect(problemsOf(httpUrl(), 'https://example.com/\n::warning::x').problems[0]).toMatch(/a single line/);
  });

  it('multi-line inputs keep their lines; every input refuses control characters and excessive length', () => {
    expect(problemsOf(list(), 'a\nb').problems).toEqual([]);
    expect(problemsOf(multiLine(), 'flows:\n  - name: x').problems).toEqual([]);
    expect(problemsOf(text(), 'red \u001b[31m').problems).toEqual([
      '"x": expected text without control characters (character 5 is U+001B), got "red \\u001b[31m"',
    ]);
    expect(problemsOf(list(), 'a\n\u0007').problems[0]).toMatch(
      /control characters \(line 2, character 1 is U\+0007\)/,
    );
    expect(problemsOf(text(), 'x'.repeat(MAX_LINE + 1)).problems[0]).toMatch(
      new RegExp(
        `^"x": expected at most ${MAX_LINE} characters \\(this value has ${MAX_LINE + 1}\\), got "x{117}\\.\\.\\."$`,
      ),
    );
    expect(problemsOf(multiLine(), 'x\n'.repeat(MAX_TEXT)).problems[0]).toMatch(/at most 100000 characters/);
    expect(problemsOf(text(), '\tindented\t').problems).toEqual([]);
  });

  it('an argument may not start with "-", where a command would read it as an option', () => {
    expect(problemsOf(text({ argument: true }), '--password=x').problems).toEqual([
      '"x": expected a value not starting with "-" (it would be read as a command-line option), got "--password=x"',
    ]);
  });
});

describe('URL inputs', () => {
  it('refuse credentials in the URL, pointing to the headers, masked and never echoed', () => {
    const { problems, masks } = problemsOf(
      httpUrl({ credentials: 'send credentials in "headers"' }),
      'https://deploy:hunter2%21@example.com/health',
    );
    expect(problems).toEqual([
      '"x": expected a URL without a user name or password (a URL is printed in logs and summaries); send credentials in "headers"',
    ]);
    expect(masks).toEqual(['https://deploy:hunter2%2521@example.com/health', 'deploy', 'hunter2!']);
  });

  it('a URL with "@" and another fault is not echoed either (the "@" may end a password)', () => {
    expect(problemsOf(optionalHttpUrl(), 'https://a:b@x.com/\n::warning::y').problems).toEqual([
      '"x": expected a single line (this value has a line break)',
    ]);
    expect(problemsOf(optionalHttpUrl(), 'ftp://a@x.com').problems[0]).toMatch(/without a user name or password/);
    expect(problemsOf(optionalHttpUrl(), 'mailto:ops@example.com').problems).toEqual([
      '"x": expected an http:// or https:// URL',
    ]);
    expect(problemsOf(optionalHttpUrl(), 'example.com').problems).toEqual([
      '"x": expected an http:// or https:// URL, got "example.com"',
    ]);
  });

  it('a URL without credentials passes, "@" in its path included', () => {
    expect(problemsOf(httpUrl(), 'https://example.com/@team/health').problems).toEqual([]);
    expect(problemsOf(optionalHttpUrl(), '').problems).toEqual([]);
    expect(problemsOf(httpUrl(), '').problems).toEqual(['"x": expected an http:// or https:// URL, got nothing']);
  });
});

describe('durations', () => {
  it('have an upper bound of 6h: a huge value would overflow Node timers and fire at once', () => {
    expect(problemsOf(duration(), '6h').problems).toEqual([]);
    expect(problemsOf(duration(), '1000000h').problems).toEqual([
      '"x": expected a duration of at most 6h, got "1000000h"',
    ]);
    expect(problemsOf(optionalDuration(), '6h1s').problems[0]).toMatch(/at most/);
    expect(problemsOf(duration({ max: 60_000 }), '2m').problems[0]).toMatch(/at most 1m/);
  });
});

describe('secret multi-line inputs', () => {
  it('a malformed header line is reported by number, masked whole, its value never echoed', () => {
    const { problems, masks } = problemsOf(
      headerLines(),
      'X-Api-Key: k3y-123\n# a comment\nAuthorization Bearer s3cret\nBad Name: v',
    );
    expect(problems).toEqual([
      '"x": expected lines "Name: value" (a header name, a colon, the value); lines 3 and 4 are not',
    ]);
    expect(masks).toEqual(['k3y-123', 'Authorization Bearer s3cret', 'Bad Name: v']);
  });

  it('a control character in a header value is refused without echo, after the value was masked', () => {
    const { problems, masks } = problemsOf(headerLines(), 'Authorization: Bearer t\u0007k');
    expect(problems).toEqual(['"x": expected text without control characters (character 24 is U+0007)']);
    expect(masks).toEqual(['Bearer t\u0007k']);
  });

  it('secret KEY=value lines: a line without "=" is masked whole; bad keys are named by line', () => {
    const { problems, masks } = problemsOf(
      keyValueLines({ secretValues: true, key: { pattern: /^[A-Z_]+$/, expected: 'upper-case names' } }),
      'DB_PASSWORD=p@ss\nhunter2\nlower=x',
    );
    expect(problems).toEqual(['"x": expected lines KEY=value, upper-case names; lines 2 and 3 are not']);
    expect(masks).toEqual(['p@ss', 'hunter2', 'x']);
  });

  it('secretText refuses without echo (even when the input is not listed as secret), and tokens have no spaces', () => {
    const { problems } = problemsOf(secretText({ token: true }), 'ghp_abc def');
    expect(problems).toEqual(['"x": expected a token without spaces']);
    expect(problemsOf(secretText({ token: true }), 'ghp_abc def', true).masks).toEqual(['ghp_abc def']);
    expect(problemsOf(secretText({ multiLine: true }), '{\n  "type": "service_account"\n}').problems).toEqual([]);
    expect(problemsOf(secretText(), 'pass\nword').problems).toEqual([
      '"x": expected a single line (this value has a line break)',
    ]);
  });
});

describe('filePath', () => {
  it('names a file, not a folder', () => {
    for (const ok of ['report.xml', 'reports/junit.xml', '../out/x.xml'])
      expect(problemsOf(filePath(), ok).problems).toEqual([]);
    for (const bad of ['reports/', '.', '..', 'a/..'])
      expect(problemsOf(filePath(), bad).problems[0]).toMatch(/a file path/);
  });
});
