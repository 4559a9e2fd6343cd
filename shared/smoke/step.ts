import { errorMessage } from '../errors.js';
import { formatDuration } from '../duration.js';
import { excerpt } from '../health/probe.js';
import { HttpError, MAX_BODY_BYTES, formatSize, request, type RetryInfo } from '../http.js';
import type { Expectations, StepSpec } from './spec.js';
import { judge } from './expect.js';
import { substitute, substituteDeep, type Variables } from './vars.js';

export interface StepContext {
  baseUrl: string;
  /** Sent with every request to base-url's origin (only there); a step's own headers win. */
  headers: Record<string, string>;
  timeoutMs: number;
  retries: number;
  vars: Variables;
  onRetry: (info: RetryInfo) => void;
}

export interface StepResult {
  step: string;
  /** `METHOD path` as written in the checks (before substitution, so no secret shows). */
  target: string;
  ok: boolean;
  skipped: boolean;
  status?: number;
  ms?: number;
  attempts: number;
  /** Every broken expectation, or why no response came. */
  problems: string[];
  /** What came back, for people: status, attempts, latency and a short body excerpt. */
  response?: string;
}

/** Retried by default: methods that cannot change anything. PUT/DELETE only with `retry: true`. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function mergeHeaders(...sets: Record<string, string>[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const set of sets)
    for (const [name, value] of Object.entries(set)) {
      for (const existing of Object.keys(merged))
        if (existing.toLowerCase() === name.toLowerCase()) delete merged[existing];
      merged[name] = value;
    }
  return merged;
}

function buildRequest(spec: StepSpec, ctx: StepContext) {
  const r = spec.request;
  const url = new URL(
    r.url !== undefined ? substitute(r.url, ctx.vars) : joinUrl(ctx.baseUrl, substitute(r.path!, ctx.vars)),
  );
  for (const [key, value] of Object.entries(r.query)) url.searchParams.append(key, substitute(value, ctx.vars));
  const stepHeaders = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, substitute(v, ctx.vars)]));
  let body: string | undefined;
  const extra: Record<string, string> = {};
  if (r.json !== undefined) {
    body = JSON.stringify(substituteDeep(r.json, ctx.vars));
    extra['content-type'] = 'application/json';
  } else if (r.body !== undefined) body = substitute(r.body, ctx.vars);
  // The global headers (credentials, usually) are base-url's: a step's absolute URL elsewhere gets only its own.
  const global = url.origin === new URL(ctx.baseUrl).origin ? ctx.headers : {};
  return { url: url.href, method: r.method, headers: mergeHeaders(extra, global, stepHeaders), body };
}

function concreteExpectations(expect: Expectations, ctx: StepContext): Expectations {
  return {
    ...expect,
    bodyContains: expect.bodyContains.map((text) => substitute(text, ctx.vars)),
    json: expect.json.map(({ path, value }) => ({ path, value: substituteDeep(value, ctx.vars) })),
  };
}

/**
 * Send one step's request (bounded by the timeout, retried on network errors
 * and 5xx when its method is safe or it says `retry: true`), judge the answer
 * and store its captures in `ctx.vars` for the next steps.
 */
export async function runStep(spec: StepSpec, ctx: StepContext): Promise<StepResult> {
  const target = `${spec.request.method} ${spec.request.path ?? spec.request.url}`;
  const result: StepResult = { step: spec.name, target, ok: false, skipped: false, attempts: 0, problems: [] };
  let req;
  let expect;
  try {
    req = buildRequest(spec, ctx);
    expect = concreteExpectations(spec.expect, ctx);
  } catch (error) {
    result.problems.push(`could not build the request: ${errorMessage(error)}`);
    return result;
  }
  const retriable = spec.retry ?? SAFE_METHODS.has(req.method);
  const retries = retriable ? ctx.retries : 0;
  let response;
  try {
    response = await request({
      ...req,
      timeoutMs: ctx.timeoutMs,
      retries,
      // No deadline given: request()'s own (every attempt at full length plus capped backoff) ends a long Retry-After.
      retryUnsafe: spec.retry === true,
      retryStatus: (status) => status >= 500,
      redirect: spec.request.redirect,
      onRetry: ctx.onRetry,
    });
  } catch (error) {
    const e = error as HttpError;
    result.attempts = e.attempts ?? 1;
    result.ms = e.ms;
    result.status = e.status;
    if (e.kind === 'cross-origin')
      result.problems.push(
        `${e.message}; to follow it without any header or body, set "follow-redirects: any-origin" on the step`,
      );
    else if (e.kind === 'redirect') result.problems.push(e.message);
    else
      result.problems.push(`no response: ${e.message}${result.attempts > 1 ? ` (${result.attempts} attempts)` : ''}`);
    return result;
  }
  const { problems, captured } = judge(expect, response, spec.capture);
  for (const [name, value] of captured) ctx.vars.captures.set(name, value);
  Object.assign(result, {
    status: response.status,
    ms: response.ms,
    attempts: response.attempts,
    problems,
    ok: problems.length === 0,
  });
  const attempts = response.attempts > 1 ? ` after ${response.attempts} attempts` : '';
  const stopped = response.notRetried ? ` (not retried: ${response.notRetried})` : '';
  const longer = response.truncated ? ` (its first ${formatSize(MAX_BODY_BYTES)}; the rest was not read)` : '';
  result.response = `status ${response.status}${attempts}${stopped} in ${formatDuration(response.ms)}, body ${excerpt(response.body)}${longer}`;
  return result;
}
