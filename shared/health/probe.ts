import { checkAssertion, type JsonAssertion } from '../assertions.js';
import { formatDuration } from '../duration.js';
import { HttpError, MAX_BODY_BYTES, formatSize, request } from '../http.js';
import type { StatusSet } from '../status.js';

/** What one probe asks of the endpoint. */
export interface ProbeRules {
  url: string;
  method: string;
  headers: Record<string, string>;
  expectStatus: StatusSet;
  bodyContains?: string;
  jsonAssertions: JsonAssertion[];
  maxLatencyMs?: number;
  timeoutMs: number;
}

export interface ProbeResult {
  ok: boolean;
  status?: number;
  ms: number;
  /** Why the probe failed, in words a person acts on. */
  failure?: string;
  /** The overall deadline, not the endpoint, ended this probe. */
  cutByDeadline?: boolean;
}

/**
 * One request, judged by every rule. The first broken rule, in the order a
 * person would check them (answer, status, latency, body, JSON), is the reason.
 */
export async function probe(rules: ProbeRules, deadline?: number, signal?: AbortSignal): Promise<ProbeResult> {
  let response;
  try {
    response = await request({
      url: rules.url,
      method: rules.method,
      headers: rules.headers,
      timeoutMs: rules.timeoutMs,
      retries: 0,
      deadline,
      signal,
    });
  } catch (error) {
    const e = error as HttpError;
    return { ok: false, status: e.status, ms: e.ms ?? 0, failure: e.message, cutByDeadline: e.kind === 'deadline' };
  }
  const { status, ms, body, truncated } = response;
  // Only the body's beginning was read: say so, or a missing text would look absent from the whole body.
  const within = truncated ? ` in its first ${formatSize(MAX_BODY_BYTES)} (the rest was not read)` : '';
  const fail = (failure: string): ProbeResult => ({ ok: false, status, ms, failure });
  if (!rules.expectStatus.matches(status)) return fail(`status ${status} not in ${rules.expectStatus.text}`);
  if (rules.maxLatencyMs !== undefined && ms > rules.maxLatencyMs)
    return fail(`latency ${formatDuration(ms)} > ${formatDuration(rules.maxLatencyMs)}`);
  if (rules.bodyContains !== undefined && !body.includes(rules.bodyContains))
    return fail(`body does not contain ${JSON.stringify(rules.bodyContains)}${within} (got ${excerpt(body)})`);
  if (rules.jsonAssertions.length > 0) {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return fail(
        truncated
          ? `body is not JSON: it is larger than ${formatSize(MAX_BODY_BYTES)}, only its beginning was read (got ${excerpt(body)})`
          : `body is not JSON (got ${excerpt(body)})`,
      );
    }
    for (const assertion of rules.jsonAssertions) {
      const problem = checkAssertion(json, assertion);
      if (problem) return fail(problem);
    }
  }
  return { ok: true, status, ms };
}

export function excerpt(body: string, max = 120): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  if (!flat) return 'an empty body';
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}
