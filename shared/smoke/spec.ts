/**
 * The smoke-test checks, as parsed from their YAML (checks.ts): flows of steps, each a request, what is
 * expected of the answer and what to capture from it.
 */
import type { RedirectMode } from '../http.js';
import { UserError } from '../errors.js';
import type { StatusSet } from '../status.js';

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export interface RequestSpec {
  method: string;
  /** Relative to base-url; exactly one of path and url. */
  path?: string;
  url?: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  json?: unknown;
  body?: string;
  /**
   * `follow-redirects`: true (`follow`, the default) follows redirects within
   * the request's origin and fails the step on one to another origin; false
   * (`manual`) checks the 3xx itself; "any-origin" (`follow-any-origin`) also
   * follows those to another origin, without any header or body.
   */
  redirect: RedirectMode;
}

export interface Expectations {
  status: StatusSet;
  bodyContains: string[];
  /** Header name -> regex its value must match. */
  headers: { name: string; pattern: RegExp }[];
  /** JSON path -> exact value. */
  json: { path: string; value: unknown }[];
  maxLatencyMs?: number;
}

export interface StepSpec {
  name: string;
  request: RequestSpec;
  expect: Expectations;
  /** Variable -> JSON path in the response body. */
  capture: Record<string, string>;
  /** true: retry whatever the method; false: never; undefined: GET/HEAD/OPTIONS only. */
  retry?: boolean;
}

export interface FlowSpec {
  name: string;
  steps: StepSpec[];
}

export class ChecksError extends UserError {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(
      problems.length === 1
        ? `Invalid checks in ${source}: ${problems[0]}`
        : `Invalid checks in ${source} (${problems.length} mistakes):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}
