import { describe, expect, it } from 'vitest';
import { checkAssertion, parseAssertion } from '../../shared/assertions.js';
import { MISSING, getPath, parsePath } from '../../shared/json-path.js';
import { parseStatusSet } from '../../shared/status.js';
import { percentile } from '../../shared/stats.js';

const body = { checks: { database: 'down' }, items: [{ id: 1 }, { id: 2 }], 'content-type': 'x', n: 5, s: '7' };

describe('json paths', () => {
  it('reads dotted, indexed, negative and quoted paths', () => {
    expect(getPath(body, 'checks.database')).toBe('down');
    expect(getPath(body, 'items[0].id')).toBe(1);
    expect(getPath(body, 'items[-1].id')).toBe(2);
    expect(getPath(body, '["content-type"]')).toBe('x');
    expect(getPath(body, 'items[5].id')).toBe(MISSING);
    expect(getPath(body, 'checks.cache')).toBe(MISSING);
    expect(getPath(body, 'n.x')).toBe(MISSING);
  });
  it('rejects malformed paths', () => {
    expect(parsePath('a..b')).toBeUndefined();
    expect(parsePath('a[x]')).toBeUndefined();
    expect(parsePath('')).toBeUndefined();
  });
});

describe('assertions', () => {
  const check = (line: string) => checkAssertion(body, parseAssertion(line)!);
  it('explains each failure', () => {
    expect(check('checks.database == ok')).toBe('checks.database was "down", expected "ok"');
    expect(check('checks.database != down')).toBe('checks.database was "down", expected anything but "down"');
    expect(check('n < 5')).toBe('n was 5, expected < 5');
    expect(check('n >= 6')).toBe('n was 5, expected >= 6');
    expect(check('checks.database =~ ^ok$')).toBe('checks.database was "down", expected to match /^ok$/');
    expect(check('checks.cache == ok')).toBe('checks.cache is missing, expected "ok"');
  });
  it('passes when the condition holds, comparing numbers in strings', () => {
    for (const line of ['n == 5', 's == 7', 's > 6', 'n <= 5', 'n > 4', 'checks.database =~ ^do', 'items[1].id != 1'])
      expect(check(line)).toBeUndefined();
  });
  it('rejects malformed lines', () => {
    for (const line of ['n', 'n ~~ 3', 'n < abc', 'x =~ (', '[bad == 1']) expect(parseAssertion(line)).toBeUndefined();
  });
});

describe('status sets', () => {
  it('matches lists, ranges and classes', () => {
    const set = parseStatusSet('200-299, 304')!;
    expect([200, 250, 299, 304].every((s) => set.matches(s))).toBe(true);
    expect([300, 503].some((s) => set.matches(s))).toBe(false);
    expect(set.text).toBe('200-299,304');
    expect(parseStatusSet('5xx')!.matches(503)).toBe(true);
  });
  it('rejects nonsense', () => {
    for (const text of ['', '2oo', '299-200', '99', '700', '200,']) expect(parseStatusSet(text)).toBeUndefined();
  });
});

describe('percentile', () => {
  it('uses nearest rank', () => {
    const values = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(percentile([], 95)).toBeUndefined();
  });
});
