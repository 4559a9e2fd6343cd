import { isDeepStrictEqual } from 'node:util';
import { formatDuration } from '../duration.js';
import { MISSING, getPath } from '../json-path.js';
import { MAX_BODY_BYTES, formatSize, type HttpResponse } from '../http.js';
import type { Expectations } from './spec.js';

const show = (value: unknown) => JSON.stringify(value) ?? 'undefined';

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return MISSING;
  }
}

/**
 * Every expectation the response breaks, in the order a person checks them
 * (status, latency, headers, body, JSON); empty when all hold. Captures are
 * read from the same body: a capture that finds nothing is a problem too.
 */
export function judge(
  expect: Expectations,
  response: HttpResponse,
  capture: Record<string, string>,
): { problems: string[]; captured: Map<string, unknown> } {
  const problems: string[] = [];
  const captured = new Map<string, unknown>();
  if (!expect.status.matches(response.status))
    problems.push(`status: expected ${expect.status.text}, got ${response.status}`);
  if (expect.maxLatencyMs !== undefined && response.ms > expect.maxLatencyMs)
    problems.push(
      `latency: expected at most ${formatDuration(expect.maxLatencyMs)}, took ${formatDuration(response.ms)}`,
    );
  for (const { name, pattern } of expect.headers) {
    const value = response.headers.get(name);
    if (value === null) problems.push(`header ${name}: expected to match /${pattern.source}/, but it is missing`);
    else if (!pattern.test(value))
      problems.push(`header ${name}: expected to match /${pattern.source}/, got ${show(value)}`);
  }
  // Only the beginning of a longer body was read: say so, or a text would look absent from all of it.
  const within = response.truncated ? ` in its first ${formatSize(MAX_BODY_BYTES)} (the rest was not read)` : '';
  for (const text of expect.bodyContains)
    if (!response.body.includes(text)) problems.push(`body: expected to contain ${show(text)}${within}`);

  const needsJson = expect.json.length > 0 || Object.keys(capture).length > 0;
  const json = needsJson ? parseJson(response.body) : MISSING;
  if (needsJson && json === MISSING) {
    problems.push(
      response.truncated
        ? `body: expected JSON (for json expectations or captures), got a body larger than ${formatSize(MAX_BODY_BYTES)}, which is not read whole`
        : 'body: expected JSON (for json expectations or captures), got something else',
    );
    return { problems, captured };
  }
  for (const { path, value } of expect.json) {
    const actual = getPath(json, path);
    if (actual === MISSING) problems.push(`json ${path}: expected ${show(value)}, but it is missing`);
    else if (!isDeepStrictEqual(actual, value))
      problems.push(`json ${path}: expected ${show(value)}, got ${show(actual)}`);
  }
  for (const [name, path] of Object.entries(capture)) {
    const value = getPath(json, path);
    if (value === MISSING) problems.push(`capture ${name}: ${path} is not in the response body`);
    else captured.set(name, value);
  }
  return { problems, captured };
}
