import * as core from '@actions/core';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { MAX_DURATION_MS, formatDuration, parseDuration } from './duration.js';
import { InputError } from './errors.js';
import { mask, type SecretParts } from './mask.js';

/**
 * Input parsing: every action declares a zod object whose keys are its input
 * names and whose fields turn the raw strings (empty when unset, as the runner
 * gives them) into typed values. Each field's issue message says what is
 * expected; `parseInputs` adds the input's name and what was given.
 *
 * Every builder is single-line unless it says otherwise: a line break in a
 * URL, a name or a version is refused, so no value can print lines of the
 * caller's choosing (`::warning::…`). Lists, headers, YAML, JSON, keys and
 * scripts are multi-line by nature and say so.
 *
 * Longer than our other modules on purpose: it is the one vocabulary every
 * action's schema is written in, each builder a few lines over the same
 * shape checks and `fail`; split up, a schema would import from several.
 */

// Inputs are parsed once a run: zod's JIT compiles an object schema's fast path on its first parse, which
// costs more start-up time than one parse saves.
z.config({ jitless: true });

type Ctx = z.core.$RefinementCtx<string>;

/** The longest value of a single-line input. */
export const MAX_LINE = 8192;
/**
 * The longest multi-line value (the runner passes each input as one environment variable; Linux caps one at 128 KiB).
 */
export const MAX_TEXT = 100_000;

export interface Shape {
  /** Line breaks allowed (lists, YAML, scripts, keys). */
  multiLine?: boolean;
  /** Longest accepted value; default MAX_LINE, or MAX_TEXT when multi-line. */
  max?: number;
  /**
   * The value reaches a command line as an argument: it may not start with `-`, where it would be read as an option.
   */
  argument?: boolean;
}

/** Issues that must not echo the value (it may hold a secret). */
const CONCEALED = { conceal: true };

/** Add an issue saying what is expected; `return fail(ctx, …)` ends a transform at any step of a field. */
export function fail(
  ctx: z.core.$RefinementCtx<unknown>,
  expected: string,
  options: { conceal?: boolean } = {},
): never {
  ctx.addIssue({ code: 'custom', message: expected, ...(options.conceal ? { params: CONCEALED } : {}) });
  return z.NEVER;
}

// C0 controls other than tab, line feed and carriage return; DEL; C1 controls.
// eslint-disable-next-line no-control-regex -- input validation: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** What is wrong with a value's shape (length, control characters, line breaks, a leading `-`), or undefined. */
export function shapeProblem(value: string, shape: Shape = {}): string | undefined {
  const max = shape.max ?? (shape.multiLine ? MAX_TEXT : MAX_LINE);
  if (value.length > max) return `at most ${max} characters (this value has ${value.length})`;
  const control = CONTROL.exec(value);
  if (control) {
    const before = value.slice(0, control.index).split(/\r\n|\r|\n/);
    const where =
      before.length > 1
        ? `line ${before.length}, character ${before.at(-1)!.length + 1}`
        : `character ${control.index + 1}`;
    return `text without control characters (${where} is U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`;
  }
  const v = value.trim();
  if (!shape.multiLine && /[\r\n]/.test(v)) return 'a single line (this value has a line break)';
  if (shape.argument && v.startsWith('-'))
    return 'a value not starting with "-" (it would be read as a command-line option)';
  return undefined;
}

const shaped = (shape: Shape) =>
  z.string().superRefine((s, ctx) => {
    const problem = shapeProblem(s, shape);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** The raw string of a single-line input, checked for its shape; transform it further as needed. */
export const singleLine = (shape: Omit<Shape, 'multiLine'> = {}) => shaped(shape);

/** The raw string of an input that is multi-line by nature (YAML, JSON, a script, a key), kept as given. */
export const multiLine = (shape: Omit<Shape, 'multiLine'> = {}) => shaped({ ...shape, multiLine: true });

export const text = (shape: Shape = {}) => shaped(shape).transform((s) => s.trim());

export const optionalText = (shape: Shape = {}) => shaped(shape).transform((s) => s.trim() || undefined);

export const requiredText = (expected = 'a value (this input is required)', shape: Shape = {}) =>
  shaped(shape).transform((s, ctx) => s.trim() || fail(ctx, expected));

/**
 * A credential (token, password, key): list it among the schema's secrets,
 * so parseInputs masks it before parsing and never echoes it; its problems
 * are concealed here too. Tokens have no spaces; a password may (and may be
 * multi-line: a registry's JSON key is one).
 */
export const secretText = (options: { token?: boolean; multiLine?: boolean } = {}) =>
  z.string().transform((s, ctx): string | undefined => {
    const v = s.trim();
    const problem = shapeProblem(v, { multiLine: options.multiLine, max: options.multiLine ? MAX_TEXT : 16_384 });
    if (problem) return fail(ctx, problem, { conceal: true });
    if (options.token && /\s/.test(v)) return fail(ctx, 'a token without spaces', { conceal: true });
    return v || undefined;
  });

/** A file to write: a path that names a file, not a folder. */
export const filePath = () =>
  optionalText().transform((s, ctx) =>
    s === undefined || !/(^|\/)(\.\.?)?$/.test(s)
      ? s
      : fail(ctx, 'a file path such as reports/junit.xml (not a folder)'),
  );

export const boolean = () =>
  singleLine().transform((s, ctx) => {
    const v = s.trim();
    if (/^(true|True|TRUE)$/.test(v)) return true;
    if (/^(false|False|FALSE)$/.test(v)) return false;
    return fail(ctx, 'true or false');
  });

const DURATION = 'a duration such as 500ms, 10s, 5m or a number of seconds';

function durationOf(s: string, ctx: Ctx, min: number | undefined, max: number): number {
  const ms = parseDuration(s);
  if (ms === undefined) return fail(ctx, DURATION);
  if (min !== undefined && ms < min) return fail(ctx, `a duration of at least ${min}ms`);
  if (ms > max)
    return fail(ctx, `a duration of at most ${max % 3_600_000 === 0 ? `${max / 3_600_000}h` : formatDuration(max)}`);
  return ms;
}

/** Milliseconds, at most MAX_DURATION_MS (6 h) unless `max` says less. */
export const duration = (options: { min?: number; max?: number } = {}) =>
  singleLine().transform((s, ctx) => durationOf(s, ctx, options.min, options.max ?? MAX_DURATION_MS));

export const optionalDuration = (options: { min?: number; max?: number } = {}) =>
  singleLine().transform((s, ctx) =>
    s.trim() ? durationOf(s, ctx, options.min, options.max ?? MAX_DURATION_MS) : undefined,
  );

export const integer = (options: { min?: number; max?: number } = {}) =>
  singleLine().transform((s, ctx) => {
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
    const range = options.max !== undefined ? `from ${min} to ${max}` : `of at least ${min}`;
    if (!/^-?\d+$/.test(s.trim())) return fail(ctx, `a whole number ${range}`);
    const n = Number(s.trim());
    return n < min || n > max ? fail(ctx, `a whole number ${range}`) : n;
  });

export const oneOf = <const T extends readonly string[]>(values: T) =>
  singleLine().transform((s, ctx) => {
    const v = s.trim().toLowerCase();
    const listed = (x: string): x is T[number] => (values as readonly string[]).includes(x);
    return listed(v) ? v : fail(ctx, `one of ${values.map((x) => `"${x}"`).join(', ')}`);
  });

export interface UrlOptions {
  /** What to do with credentials instead, for the error, e.g. `send them in "headers"`. */
  credentials?: string;
}

// The userinfo of `scheme://user:pass@host`, found before anything else looks at the value.
const USERINFO = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\s]*)@/i;

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * An http(s) URL without credentials. `https://user:pass@host` is refused:
 * the URL is printed, recorded on deployments and followed on redirects, so
 * the password would travel with it. Such a value is masked first (userinfo
 * included) and never echoed, whatever else is wrong with it.
 */
function checkUrl(raw: string, ctx: Ctx, options: UrlOptions, required: boolean): string | undefined {
  const value = raw.trim();
  // Any `@` may end a user name or password: a bad value with one is never echoed.
  const suspect = value.includes('@');
  const userinfo = USERINFO.exec(value)?.[1];
  if (userinfo) mask(value);
  for (const part of userinfo?.split(':') ?? []) if (part) mask(decoded(part));
  const shape = shapeProblem(value);
  if (shape) return fail(ctx, shape, { conceal: suspect });
  if (!value) return required ? fail(ctx, 'an http:// or https:// URL') : undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (userinfo || url?.username || url?.password) {
    if (!userinfo) {
      mask(value);
      for (const part of [url?.username, url?.password]) if (part) mask(decoded(part));
    }
    return fail(
      ctx,
      `a URL without a user name or password (a URL is printed in logs and summaries); ${options.credentials ?? 'send credentials in a header input'}`,
      { conceal: true },
    );
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    return fail(ctx, 'an http:// or https:// URL', { conceal: suspect });
  return value;
}

export const httpUrl = (options: UrlOptions = {}) =>
  z.string().transform((s, ctx): string => checkUrl(s, ctx, options, true)!);

export const optionalHttpUrl = (options: UrlOptions = {}) =>
  z.string().transform((s, ctx): string | undefined => checkUrl(s, ctx, options, false));

/** One item a line (and, with `commas`, also comma-separated); blank lines and `#` comments dropped. */
export function splitLines(value: string, options: { commas?: boolean } = {}): string[] {
  return value
    .split(options.commas ? /[\r\n,]+/ : /\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Non-blank, non-comment lines with their line numbers (counted as written). */
export function numberedLines(value: string): { line: string; n: number }[] {
  return value
    .split(/\r\n|\r|\n/)
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'));
}

export const list = (options: { commas?: boolean } = {}) => multiLine().transform((s) => splitLines(s, options));

/** "line 2", "lines 2 and 5", "lines 2, 5 and 7". */
export function lineNumbers(numbers: readonly number[]): string {
  if (numbers.length === 1) return `line ${numbers[0]}`;
  return `lines ${numbers.slice(0, -1).join(', ')} and ${numbers.at(-1)}`;
}

/**
 * Multi-line `name<sep>value` lines. When the values are secrets, every value
 * (or, for a line without the separator, the whole line) is masked before
 * anything is checked, and no problem echoes the text. Problems name lines.
 */
function pairLines(
  s: string,
  ctx: Ctx,
  parse: (line: string) => { name: string; value: string } | undefined,
  expected: string,
  secret: boolean,
  nameProblem?: (name: string) => boolean,
) {
  const lines = numberedLines(s);
  const parsed = lines.map(({ line }) => parse(line));
  if (secret) parsed.forEach((pair, i) => mask(pair ? pair.value.trim() : lines[i].line));
  const shape = shapeProblem(s, { multiLine: true });
  const bad = lines.filter((_, i) => !parsed[i] || nameProblem?.(parsed[i].name)).map(({ n }) => n);
  const problem =
    shape ?? (bad.length ? `${expected}; ${lineNumbers(bad)} ${bad.length === 1 ? 'is' : 'are'} not` : undefined);
  if (problem === undefined) return parsed as { name: string; value: string }[];
  fail(ctx, problem, { conceal: secret });
  return undefined;
}

const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:(.*)$/;

/** Lines `Name: value`; every value is masked, since headers carry credentials, and never echoed. */
export const headerLines = () =>
  z.string().transform((s, ctx) => {
    const pairs = pairLines(
      s,
      ctx,
      (line) => {
        const match = HEADER.exec(line);
        return match ? { name: match[1], value: match[2] } : undefined;
      },
      'lines "Name: value" (a header name, a colon, the value)',
      true,
    );
    return pairs ? Object.fromEntries(pairs.map(({ name, value }) => [name, value.trim()])) : z.NEVER;
  });

export interface KeyValueOptions {
  /** Values are secrets: masked, never echoed (a line without `=` is masked whole). */
  secretValues?: boolean;
  /** What a key must look like, and the words for it. */
  key?: { pattern: RegExp; expected: string };
}

/** Lines `KEY=value` (value may contain `=`). */
export const keyValueLines = (options: KeyValueOptions = {}) =>
  z.string().transform((s, ctx) => {
    const pattern = options.key?.pattern ?? /^[^\s-]\S*$/;
    const pairs = pairLines(
      s,
      ctx,
      (line) => {
        const at = line.indexOf('=');
        return at > 0 ? { name: line.slice(0, at).trim(), value: line.slice(at + 1) } : undefined;
      },
      `lines KEY=value, ${options.key?.expected ?? 'the key without spaces, not starting with "-"'}`,
      options.secretValues ?? false,
      (name) => !pattern.test(name),
    );
    return pairs ? Object.fromEntries(pairs.map(({ name, value }) => [name, value])) : z.NEVER;
  });

/** A folder input, relative to the workspace, that must exist: checked before anything runs. */
export function workspaceDirectory(workspace: string, value: string, input: string): string {
  const dir = resolve(workspace, value || '.');
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new InputError([`"${input}": expected a folder in the workspace; ${dir} does not exist`]);
  return dir;
}

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
    const concealed = secrets.has(name) || (issue.code === 'custom' && issue.params?.conceal === true);
    const shown = concealed || given === undefined ? '' : given.trim() ? `, got ${quote(given)}` : ', got nothing';
    const expected = issue.message.replace(/^expected /i, '');
    return `"${name}": expected ${expected}${shown}`;
  });
  throw new InputError([...new Set(problems)]);
}

function quote(value: string): string {
  const v = value.trim();
  return JSON.stringify(v.length > 120 ? `${v.slice(0, 117)}...` : v);
}
