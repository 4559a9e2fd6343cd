import { LineCounter, parseDocument } from 'yaml';
import { parseDuration } from '../duration.js';
import type { RedirectMode } from '../http.js';
import { parsePath } from '../json-path.js';
import { parseStatusSet, type StatusSet } from '../status.js';
import { ChecksError, METHODS, type Expectations, type FlowSpec, type RequestSpec, type StepSpec } from './spec.js';
import { references, unknownVariable } from './vars.js';

/**
 * The smoke-test checks format (YAML): flows of steps, each a request, what is
 * expected of the answer and what to capture from it. Parsing validates every
 * value and reports every mistake with its exact place, e.g.
 * `flows[0].steps[1].expect.status: expected a number, a list of numbers or "2xx"`.
 */

type Path = (string | number)[];
type Obj = Record<string, unknown>;

const FLOW_KEYS = ['name', 'steps'];
const STEP_KEYS = ['name', 'request', 'expect', 'capture', 'retry'];
const REQUEST_KEYS = ['method', 'path', 'url', 'headers', 'query', 'json', 'body', 'follow-redirects'];
const EXPECT_KEYS = ['status', 'body-contains', 'headers', 'json', 'max-latency'];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STATUS_EXPECTED = 'expected a number, a list of numbers or "2xx"';

export function place(path: Path): string {
  return path
    .map((part, i) =>
      typeof part === 'number'
        ? `[${part}]`
        : /^[A-Za-z_][\w-]*$/.test(part)
          ? `${i ? '.' : ''}${part}`
          : `[${JSON.stringify(part)}]`,
    )
    .join('');
}

function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length ? 'a list' : 'an empty list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}

const isObject = (value: unknown): value is Obj => value !== null && typeof value === 'object' && !Array.isArray(value);
const isScalar = (value: unknown) => ['string', 'number', 'boolean'].includes(typeof value);

class Checker {
  readonly problems: string[] = [];
  /** Variables a step may use: captured by earlier steps of its flow. */
  known = new Set<string>();

  constructor(
    private readonly lineOf: (path: Path) => number | undefined,
    private readonly env: NodeJS.ProcessEnv,
    /** The input that lists variables, as the action names it. */
    private readonly variablesInput: string,
  ) {}

  problem(path: Path, message: string): undefined {
    const line = this.lineOf(path);
    this.problems.push(`${place(path) || 'top level'}: ${message}${line ? ` (line ${line})` : ''}`);
    return undefined;
  }

  expected(path: Path, what: string, value: unknown): undefined {
    return this.problem(path, `expected ${what}, got ${show(value)}`);
  }

  object(value: unknown, path: Path, keys: readonly string[], what: string): Obj | undefined {
    if (!isObject(value)) return this.expected(path, what, value);
    for (const key of Object.keys(value))
      if (!keys.includes(key)) this.problem([...path, key], `unknown key; expected one of ${keys.join(', ')}`);
    return value;
  }

  /** A mapping of free-form keys to scalar values, turned into text. */
  map(
    value: unknown,
    path: Path,
    what: string,
    checkKey?: (key: string) => string | undefined,
  ): Record<string, string> {
    const result: Record<string, string> = {};
    if (value === undefined) return result;
    if (!isObject(value)) return this.expected(path, `a mapping of ${what}`, value) ?? result;
    for (const [key, v] of Object.entries(value)) {
      const keyProblem = checkKey?.(key);
      if (keyProblem) this.problem([...path, key], keyProblem);
      else if (!isScalar(v)) this.expected([...path, key], 'a text, number or true/false', v);
      else result[key] = this.text(String(v), [...path, key]);
    }
    return result;
  }

  /** A text that may refer to variables: each must be known by the time the step runs. */
  text(value: string, path: Path): string {
    for (const name of references(value))
      if (!this.known.has(name) && this.env[name] === undefined)
        this.problem(path, unknownVariable(name, 'an earlier step of this flow', this.variablesInput));
    return value;
  }

  string(value: unknown, path: Path, what = 'a text'): string | undefined {
    if (typeof value !== 'string' || value === '') return this.expected(path, what, value);
    return this.text(value, path);
  }

  deepText(value: unknown, path: Path): void {
    if (typeof value === 'string') this.text(value, path);
    else if (Array.isArray(value)) value.forEach((v, i) => this.deepText(v, [...path, i]));
    else if (isObject(value)) for (const [k, v] of Object.entries(value)) this.deepText(v, [...path, k]);
  }

  boolean(value: unknown, path: Path): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') return this.expected(path, 'true or false', value);
    return value;
  }
}

function flows(root: unknown, c: Checker): FlowSpec[] {
  const top = c.object(root, [], ['flows'], 'a mapping with a "flows" list');
  if (!top) return [];
  if (!Array.isArray(top.flows) || top.flows.length === 0)
    return c.expected(['flows'], 'a list of flows', top.flows) ?? [];
  return top.flows.map((flow, i) => parseFlow(flow, ['flows', i], c, i));
}

function parseFlow(value: unknown, path: Path, c: Checker, index: number): FlowSpec {
  c.known = new Set();
  const flow = c.object(value, path, FLOW_KEYS, 'a flow (a mapping with "name" and "steps")');
  const name =
    flow?.name === undefined ? `flow ${index + 1}` : (c.string(flow.name, [...path, 'name'], 'a name') ?? '');
  const steps = flow?.steps;
  if (flow && (!Array.isArray(steps) || steps.length === 0)) c.expected([...path, 'steps'], 'a list of steps', steps);
  return { name, steps: Array.isArray(steps) ? steps.map((step, i) => parseStep(step, [...path, 'steps', i], c)) : [] };
}

function parseStep(value: unknown, path: Path, c: Checker): StepSpec {
  const step = c.object(value, path, STEP_KEYS, 'a step (a mapping with "request")') ?? {};
  const request = parseRequest(step.request, [...path, 'request'], c);
  const expect = parseExpect(step.expect, [...path, 'expect'], c);
  const capture = c.map(step.capture, [...path, 'capture'], 'variable names to JSON paths', (key) =>
    VARIABLE.test(key) ? undefined : 'expected a variable name (letters, digits and _, not starting with a digit)',
  );
  for (const [name, jsonPath] of Object.entries(capture)) {
    if (!parsePath(jsonPath))
      c.problem([...path, 'capture', name], `expected a JSON path such as token or items[0].id, got ${show(jsonPath)}`);
    c.known.add(name);
  }
  const retry = c.boolean(step.retry, [...path, 'retry']);
  const target = request.path ?? request.url ?? '';
  const name =
    step.name === undefined ? `${request.method} ${target}` : (c.string(step.name, [...path, 'name'], 'a name') ?? '');
  return { name, request, expect, capture, retry };
}

function parseRequest(value: unknown, path: Path, c: Checker): RequestSpec {
  const r = c.object(value, path, REQUEST_KEYS, 'a request (a mapping with "path" or "url")') ?? {};
  let method = 'GET';
  if (r.method !== undefined) {
    const m = typeof r.method === 'string' ? r.method.toUpperCase() : '';
    if ((METHODS as readonly string[]).includes(m)) method = m;
    else c.expected([...path, 'method'], `one of ${METHODS.join(', ')}`, r.method);
  }
  const spec: RequestSpec = {
    method,
    headers: c.map(r.headers, [...path, 'headers'], 'header names to values', (key) =>
      HEADER_NAME.test(key) ? undefined : 'expected a valid header name',
    ),
    query: c.map(r.query, [...path, 'query'], 'query parameters to values'),
    redirect: parseRedirect(r['follow-redirects'], [...path, 'follow-redirects'], c),
  };
  if (r.path !== undefined) {
    const p = c.string(r.path, [...path, 'path'], 'a path starting with "/"');
    if (p !== undefined && !p.startsWith('/') && !p.startsWith('${'))
      c.expected([...path, 'path'], 'a path starting with "/"', p);
    spec.path = p;
  }
  if (r.url !== undefined) {
    const u = c.string(r.url, [...path, 'url'], 'an http:// or https:// URL');
    if (u !== undefined && !u.includes('${') && !/^https?:\/\/[^/]/i.test(u))
      c.expected([...path, 'url'], 'an http:// or https:// URL', u);
    spec.url = u;
  }
  if (isObject(value)) {
    if (r.path === undefined && r.url === undefined) c.problem(path, 'expected "path" (relative to base-url) or "url"');
    if (r.path !== undefined && r.url !== undefined) c.problem(path, '"path" and "url" cannot both be set');
    if (r.json !== undefined && r.body !== undefined) c.problem(path, '"json" and "body" cannot both be set');
  }
  if (r.json !== undefined) {
    c.deepText(r.json, [...path, 'json']);
    spec.json = r.json;
  }
  if (r.body !== undefined) {
    if (typeof r.body === 'string') spec.body = c.text(r.body, [...path, 'body']);
    else c.expected([...path, 'body'], 'a text (use "json" for structured bodies)', r.body);
  }
  return spec;
}

function parseRedirect(value: unknown, path: Path, c: Checker): RedirectMode {
  if (value === undefined || value === true) return 'follow';
  if (value === false) return 'manual';
  if (value === 'any-origin') return 'follow-any-origin';
  return (
    c.expected(
      path,
      'true (redirects within the same origin), false or "any-origin" (also to other origins, without headers or body)',
      value,
    ) ?? 'follow'
  );
}

function parseStatus(value: unknown, path: Path, c: Checker): StatusSet | undefined {
  const code = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599;
  let text: string | undefined;
  if (code(value)) text = String(value);
  else if (Array.isArray(value) && value.length > 0 && value.every(code)) text = value.join(',');
  else if (typeof value === 'string') text = value;
  const set = text === undefined ? undefined : parseStatusSet(text);
  return set ?? c.problem(path, `${STATUS_EXPECTED}, got ${show(value)}`);
}

function parseExpect(value: unknown, path: Path, c: Checker): Expectations {
  const expect: Expectations = { status: parseStatusSet('2xx')!, bodyContains: [], headers: [], json: [] };
  if (value === undefined) return expect;
  const e = c.object(value, path, EXPECT_KEYS, 'a mapping of expectations');
  if (!e) return expect;
  if (e.status !== undefined) expect.status = parseStatus(e.status, [...path, 'status'], c) ?? expect.status;
  const contains = e['body-contains'];
  if (contains !== undefined) {
    const items = Array.isArray(contains) ? contains : [contains];
    items.forEach((item, i) => {
      const at = Array.isArray(contains) ? [...path, 'body-contains', i] : [...path, 'body-contains'];
      const text = c.string(item, at, 'a text or a list of texts');
      if (text !== undefined) expect.bodyContains.push(text);
    });
  }
  const headers = c.map(e.headers, [...path, 'headers'], 'header names to regular expressions', (key) =>
    HEADER_NAME.test(key) ? undefined : 'expected a valid header name',
  );
  for (const [name, source] of Object.entries(headers)) {
    try {
      expect.headers.push({ name, pattern: new RegExp(source, 'i') });
    } catch (error) {
      c.problem([...path, 'headers', name], `expected a regular expression: ${(error as Error).message}`);
    }
  }
  if (e.json !== undefined) {
    if (!isObject(e.json)) c.expected([...path, 'json'], 'a mapping of JSON paths to values', e.json);
    else
      for (const [jsonPath, v] of Object.entries(e.json)) {
        if (!parsePath(jsonPath))
          c.problem([...path, 'json', jsonPath], 'expected a JSON path such as status or orders[0].id as the key');
        c.deepText(v, [...path, 'json', jsonPath]);
        expect.json.push({ path: jsonPath, value: v });
      }
  }
  if (e['max-latency'] !== undefined) {
    const ms =
      typeof e['max-latency'] === 'string' && /[a-z]$/i.test(e['max-latency'].trim())
        ? parseDuration(e['max-latency'])
        : undefined;
    if (ms === undefined)
      c.expected([...path, 'max-latency'], 'a duration with its unit, such as 800ms or 2s', e['max-latency']);
    expect.maxLatencyMs = ms;
  }
  return expect;
}

/**
 * Parse and validate checks YAML. `source` names where it came from in
 * errors (`the "checks" input`, `checks-file "smoke.yml"`); `env` is what
 * `${NAME}` may refer to besides captures: the variables passed to the checks
 * (checkVariables), never the whole environment; `variablesInput` the input
 * that lists them (default `variables`).
 */
export function parseChecks(
  text: string,
  options: { source: string; env: NodeJS.ProcessEnv; variablesInput?: string },
): FlowSpec[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ChecksError(
      options.source,
      doc.errors.map((e) => `invalid YAML: ${e.message.split('\n')[0]}`),
    );
  }
  const lineOf = (path: Path) => {
    for (let p = path; p.length > 0; p = p.slice(0, -1)) {
      const node = doc.getIn(p, true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const checker = new Checker(lineOf, options.env, options.variablesInput ?? 'variables');
  const result = flows(doc.toJS({ maxAliasCount: 100 }), checker);
  if (checker.problems.length > 0) throw new ChecksError(options.source, checker.problems);
  return result;
}
