import { formatDuration } from '../duration.js';
import { HttpError, request, type HttpResponse } from '../http.js';
import { excerpt } from '../health/probe.js';
import { retryAfterMs } from '../retry.js';
import { describeSlackError } from './errors.js';

export interface TransportOptions {
  /** Per attempt. Default 10s. */
  timeoutMs?: number;
  /** Extra attempts after the first for 429, 5xx and network errors. Default 3. */
  retries?: number;
  /** Epoch ms after which no attempt starts: a long Retry-After is not waited out past it. */
  deadline?: number;
  /** Progress lines (retries, warnings). */
  log?: (line: string) => void;
}

/**
 * Slack could not be reached or refused the message. `code` is Slack's error name, or `http_<status>`, `timeout`,
 * `network`…
 */
export class SlackError extends Error {
  override readonly name = 'SlackError';
  constructor(
    message: string,
    readonly code: string,
    readonly attempts: number,
  ) {
    super(message);
  }
}

export interface WebApiResult {
  data: Record<string, unknown>;
  attempts: number;
}

async function send(
  what: string,
  url: string,
  headers: Record<string, string>,
  body: string,
  options: TransportOptions,
): Promise<HttpResponse> {
  try {
    return await request({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body,
      timeoutMs: options.timeoutMs ?? 10_000,
      retries: options.retries ?? 3,
      deadline: options.deadline,
      // Slack does not act on a request it answers 429 or 5xx, and a network
      // error before the answer is worth the small risk of a duplicate notice.
      retryUnsafe: true,
      onRetry: (r) =>
        options.log?.(
          `${what}: ${r.reason}; retrying in ${formatDuration(r.delayMs)} (attempt ${r.attempt + 1} of ${r.of})`,
        ),
    });
  } catch (error) {
    const e = error as HttpError;
    const tries = e.attempts > 1 ? ` after ${e.attempts} attempts` : '';
    throw new SlackError(`${what} failed${tries}: ${e.message}`, e.kind, e.attempts);
  }
}

function rateLimited(what: string, response: HttpResponse, code: string): SlackError {
  const wait = retryAfterMs(response.headers.get('retry-after'));
  const after = wait === undefined ? '' : `; Slack asked to retry after ${formatDuration(wait)}`;
  return new SlackError(
    `${what} was rate-limited (HTTP 429, ${describeSlackError(code)})${after}, after ${response.attempts} attempts`,
    code,
    response.attempts,
  );
}

/**
 * Post to an incoming webhook. Slack answers `200 ok`, or a status with the
 * error's name as a plain-text body (`400 invalid_payload`, `404 no_service`,
 * `410 channel_is_archived`, …). The URL is the secret: it never appears in
 * an error.
 */
export async function postWebhook(
  url: string,
  payload: object,
  options: TransportOptions = {},
): Promise<{ attempts: number }> {
  const what = 'Slack incoming webhook';
  const response = await send(what, url, {}, JSON.stringify(payload), options);
  if (response.status >= 200 && response.status < 300) return { attempts: response.attempts };
  const body = response.body.trim();
  const name = /^[a-z_]{3,60}$/.test(body) ? body : undefined;
  if (response.status === 429) throw rateLimited(what, response, name ?? 'rate_limited');
  const reason = name ? describeSlackError(name) : `an unexpected answer (${excerpt(body)})`;
  throw new SlackError(
    `${what} refused the message: HTTP ${response.status}, ${reason}`,
    name ?? `http_${response.status}`,
    response.attempts,
  );
}

/**
 * Call a Web API method with a JSON body. Slack answers HTTP 200 with
 * `{"ok": false, "error": "channel_not_found"}` for its own errors, and 429
 * with Retry-After when rate-limited.
 */
export async function callWebApi(
  apiUrl: string,
  method: string,
  token: string,
  body: object,
  options: TransportOptions = {},
): Promise<WebApiResult> {
  const what = `Slack ${method}`;
  const response = await send(
    what,
    `${apiUrl.replace(/\/+$/, '')}/${method}`,
    { authorization: `Bearer ${token}` },
    JSON.stringify(body),
    options,
  );
  let data: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(response.body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      data = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: a proxy's error page or an outage; reported with its status below.
  }
  const code = typeof data?.error === 'string' ? data.error : undefined;
  if (response.status === 429) throw rateLimited(what, response, code ?? 'ratelimited');
  if (!data) {
    throw new SlackError(
      `${what} gave an unexpected answer: HTTP ${response.status}, ${excerpt(response.body)}`,
      `http_${response.status}`,
      response.attempts,
    );
  }
  if (data.ok !== true) {
    const name = code ?? `http_${response.status}`;
    throw new SlackError(
      `${what} refused the message: ${describeSlackError(name, details(data))}`,
      name,
      response.attempts,
    );
  }
  for (const warning of warnings(data)) options.log?.(`${what} warning: ${warning}`);
  return { data, attempts: response.attempts };
}

/** Slack's explanations: `errors` (invalid_blocks), `needed`/`provided` (missing_scope), response_metadata.messages. */
function details(data: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (Array.isArray(data.errors)) out.push(...data.errors.map(String));
  if (typeof data.needed === 'string')
    out.push(`needed scope ${data.needed}${typeof data.provided === 'string' ? `, token has ${data.provided}` : ''}`);
  const meta = data.response_metadata as { messages?: unknown } | undefined;
  if (!out.length && Array.isArray(meta?.messages)) out.push(...meta.messages.map(String));
  return out;
}

function warnings(data: Record<string, unknown>): string[] {
  const meta = data.response_metadata as { warnings?: unknown } | undefined;
  if (Array.isArray(meta?.warnings)) return meta.warnings.map(String);
  return typeof data.warning === 'string' ? data.warning.split(',') : [];
}
