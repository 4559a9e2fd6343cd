import * as core from '@actions/core';
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { InputError } from './errors.js';
import { mask, type SecretParts } from './mask.js';

/**
 * Input parsing: every action declares a zod object whose keys are its input
 * names and whose fields turn the raw strings (empty when unset, as the runner
 * gives them) into typed values. Each field's issue message says what is
 * expected; `parseInputs` adds the input's name and what was given.
 */

type Ctx = z.core.$RefinementCtx<string>;

function fail(ctx: Ctx, expected: string): never {
  ctx.addIssue({ code: 'custom', message: expected });
  return z.NEVER as never;
}

const raw = () => z.string();

export const text = () => raw().transform((s) => s.trim());

export const optionalText = () => raw().transform((s) => s.trim() || undefined);

export const requiredText = (expected = 'a value (this input is required)') =>
  raw().transform((s, ctx) => s.trim() || fail(ctx, expected));

export const boolean = () =>
  raw().transform((s, ctx) => {
    const v = s.trim();
    if (/^(true|True|TRUE)$/.test(v)) return true;
    if (/^(false|False|FALSE)$/.test(v)) return false;
    return fail(ctx, 'true or false');
  });

export const duration = (options: { min?: number } = {}) =>
  raw().transform((s, ctx) => {
    const ms = parseDuration(s);
    if (ms === undefined) return fail(ctx, 'a duration such as 500ms, 10s, 5m or a number of seconds');
    if (options.min !== undefined && ms < options.min) return fail(ctx, `a duration of at least ${options.min}ms`);
    return ms;
  });

export const optionalDuration = () =>
  raw().transform((s, ctx) => {
    if (!s.trim()) return undefined;
    return parseDuration(s) ?? fail(ctx, 'a duration such as 500ms, 10s, 5m or a number of seconds');
  });

export const integer = (options: { min?: number; max?: number } = {}) =>
  raw().transform((s, ctx) => {
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
    const range = options.max !== undefined ? `from ${min} to ${max}` : `of at least ${min}`;
    if (!/^-?\d+$/.test(s.trim())) return fail(ctx, `a whole number ${range}`);
    const n = Number(s.trim());
    return n < min || n > max ? fail(ctx, `a whole number ${range}`) : n;
  });

export const oneOf = <const T extends readonly string[]>(values: T) =>
  raw().transform((s, ctx) => {
    const v = s.trim().toLowerCase();
    return (values as readonly string[]).includes(v)
      ? (v as T[number])
      : fail(ctx, `one of ${values.map((x) => `"${x}"`).join(', ')}`);
  });

export const httpUrl = () =>
  raw().transform((s, ctx): string => (isHttpUrl(s.trim()) ? s.trim() : fail(ctx, 'an http:// or https:// URL')));

export const optionalHttpUrl = () =>
  raw().transform((s, ctx): string | undefined => (!s.trim() ? undefined : isHttpUrl(s.trim()) ? s.trim() : fail(ctx, 'an http:// or https:// URL')));

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** One item a line (and, with `commas`, also comma-separated); blank lines and `#` comments dropped. */
export function splitLines(value: string, options: { commas?: boolean } = {}): string[] {
  return value
    .split(options.commas ? /[\r\n,]+/ : /\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export const list = (options: { commas?: boolean } = {}) => raw().transform((s) => splitLines(s, options));

/** Lines `Name: value`; every value is masked, since headers carry credentials. */
export const headerLines = () =>
  raw().transform((s, ctx) => {
    const headers: Record<string, string> = {};
    for (const line of splitLines(s)) {
      const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s*(.*)$/.exec(line);
      if (!match) return fail(ctx, 'lines of the form "Name: value"');
      const value = match[2]!.trim();
      mask(value);
      headers[match[1]!] = value;
    }
    return headers;
  });

/** Lines `KEY=value` (value may contain `=`). */
export const keyValueLines = (options: { secretValues?: boolean } = {}) =>
  raw().transform((s, ctx) => {
    const pairs: Record<string, string> = {};
    for (const line of splitLines(s)) {
      const at = line.indexOf('=');
      if (at <= 0) return fail(ctx, 'lines of the form KEY=value');
      const value = line.slice(at + 1);
      if (options.secretValues) mask(value);
      pairs[line.slice(0, at).trim()] = value;
    }
    return pairs;
  });

export interface ParseOptions<K extends string> {
  /** Inputs whose values are masked before anything else runs and never echoed in errors. */
  secrets?: readonly K[];
  /** How to find the credentials in a structured secret input (default: `secretParts`). */
  secretParts?: Partial<Record<K, SecretParts>>;
  /** Raw values, for tests; defaults to what the runner passed (INPUT_*). */
  read?: (name: string) => string;
}

/**
 * Read every input named in `schema`, mask the secret ones, parse them and
 * either return the typed config or throw one InputError listing every
 * problem: the input, what was given (unless secret) and what is expected.
 */
export function parseInputs<S extends z.ZodObject<z.ZodRawShape>>(
  schema: S,
  options: ParseOptions<Extract<keyof z.input<S>, string>> = {},
): z.output<S> {
  const read = options.read ?? ((name: string) => core.getInput(name));
  const secrets = new Set<string>(options.secrets ?? []);
  const parts: Partial<Record<string, SecretParts>> = options.secretParts ?? {};
  const values: Record<string, string> = {};
  for (const name of Object.keys(schema.shape)) {
    values[name] = read(name);
    if (secrets.has(name)) mask(values[name], parts[name]);
  }
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'inputs');
    const given = values[name];
    const shown = secrets.has(name) || given === undefined ? '' : given.trim() ? `, got ${quote(given)}` : ', got nothing';
    const expected = issue.message.replace(/^expected /i, '');
    return `"${name}": expected ${expected}${shown}`;
  });
  throw new InputError([...new Set(problems)]);
}

function quote(value: string): string {
  const v = value.trim();
  return JSON.stringify(v.length > 120 ? `${v.slice(0, 117)}...` : v);
}
