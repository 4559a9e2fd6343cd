import { MISSING, getPath, parsePath } from './json-path.js';

export const OPERATORS = ['==', '!=', '<=', '>=', '<', '>', '=~'] as const;
export type Operator = (typeof OPERATORS)[number];

export interface JsonAssertion {
  path: string;
  op: Operator;
  /** The value as parsed: JSON where it is JSON (`3`, `true`, `"x"`, `null`), else the text. */
  expected: unknown;
  source: string;
}

/** `checks.database == ok`, `items[0].count >= 3`, `version =~ ^2\.`; undefined when malformed. */
export function parseAssertion(line: string): JsonAssertion | undefined {
  const match = /^(\S+?)\s*(==|!=|<=|>=|=~|<|>)\s*(.*)$/.exec(line.trim());
  if (!match || !parsePath(match[1])) return undefined;
  const [, path, op, text] = match as unknown as [string, string, Operator, string];
  if (op === '=~') {
    try {
      new RegExp(text);
    } catch {
      return undefined;
    }
    return { path, op, expected: text, source: line.trim() };
  }
  if (['<', '<=', '>', '>='].includes(op) && !Number.isFinite(Number(text))) return undefined;
  return { path, op, expected: parseValue(text), source: line.trim() };
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const show = (value: unknown) => (value === undefined ? 'undefined' : JSON.stringify(value));

/** A JSON value that is not an object, an array or null (or a missing one). */
const isScalar = (value: unknown): value is string | number | boolean | undefined => typeof value !== 'object';

function equal(actual: unknown, expected: unknown): boolean {
  if (!isScalar(actual) || !isScalar(expected)) return JSON.stringify(actual) === JSON.stringify(expected);
  // `count == 3` should match "3" too: users write values without caring about JSON types.
  return actual === expected || String(actual) === String(expected);
}

/** Undefined when the assertion holds, else why it does not, e.g. `checks.database was "down", expected "ok"`. */
export function checkAssertion(body: unknown, assertion: JsonAssertion): string | undefined {
  const actual = getPath(body, assertion.path);
  if (actual === MISSING)
    return `${assertion.path} is missing, expected ${assertion.op === '==' ? '' : `${assertion.op} `}${show(assertion.expected)}`;
  const { op, expected } = assertion;
  const was = `${assertion.path} was ${show(actual)}`;
  switch (op) {
    case '==':
      return equal(actual, expected) ? undefined : `${was}, expected ${show(expected)}`;
    case '!=':
      return equal(actual, expected) ? `${was}, expected anything but ${show(expected)}` : undefined;
    case '=~':
      return new RegExp(String(expected)).test(typeof actual === 'string' ? actual : JSON.stringify(actual))
        ? undefined
        : `${was}, expected to match /${String(expected)}/`;
    default: {
      const a =
        typeof actual === 'number' ? actual : typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : NaN;
      const e = Number(expected);
      const ok = op === '<' ? a < e : op === '<=' ? a <= e : op === '>' ? a > e : a >= e;
      return ok ? undefined : `${was}, expected ${op} ${e}`;
    }
  }
}
