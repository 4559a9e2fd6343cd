import { KindedError } from './errors.js';
import { formatDuration } from './duration.js';
import { ResponseHeaders, readBody, send } from './http-transport.js';
import { backoffDelay, retryAfterMs, sleep } from './retry.js';

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Per attempt, covering connect, headers and body. Default 10s. */
  timeoutMs?: number;
  /** Extra attempts after the first. Default 3. */
  retries?: number;
  /** Absolute time (epoch ms) after which no attempt starts and the running one is cut off. */
  deadline?: number;
  /** Retry non-idempotent methods too (they are not retried by default). */
  retryUnsafe?: boolean;
  /** Which responses are worth another attempt. Default: 408, 429 and 5xx. */
  retryStatus?: (status: number) => boolean;
  /**
   * `follow` (default): redirects to the request's own origin (scheme, host,
   * port) are followed with its headers; one to another origin fails the
   * request (HttpError `cross-origin`) naming the target, so no header
   * crosses an origin. `follow-any-origin`: redirects to another origin are
   * followed too, from that hop on with none of `headers` and no body (one
   * that would resend the body is refused). `manual`: the 3xx answer is the
   * response. A redirect from https to http is always refused.
   */
  redirect?: RedirectMode;
  /** Redirects followed within one attempt. Default MAX_REDIRECTS. */
  maxRedirects?: number;
  /** Bytes of the body read; the rest is discarded unread. Default MAX_BODY_BYTES. */
  maxBodyBytes?: number;
  /** Called before each retry, to report progress. */
  onRetry?: (info: RetryInfo) => void;
  baseDelayMs?: number;
  /** The caller no longer needs the answer: cut the running attempt and retry no more. */
  signal?: AbortSignal;
}

export type RedirectMode = 'follow' | 'follow-any-origin' | 'manual';

/** Enough for any health, smoke, Slack, GitHub or Prometheus answer; a bigger body cannot take the runner's memory. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** 1048576 → "1 MiB": how body limits are shown in reports. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const)
    if (bytes >= size) return `${+(bytes / size).toFixed(1)} ${unit}`;
  return `${bytes} bytes`;
}

/** As browsers: a chain longer than this is a loop or a mistake. */
export const MAX_REDIRECTS = 10;
/** backoffDelay's cap (shared/retry.ts): the implicit deadline allows it between attempts. */
const MAX_BACKOFF_MS = 10_000;

export interface RetryInfo {
  attempt: number;
  of: number;
  delayMs: number;
  reason: string;
}

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  body: string;
  /** Latency of the attempt that produced this response. */
  ms: number;
  attempts: number;
  /** Where the answer came from, after any redirects. */
  url: string;
  /** The body was longer than the request's `maxBodyBytes`: `body` is its beginning. */
  truncated: boolean;
  /**
   * Why the retries ended before their number while the status still asked for one (a Retry-After past the deadline).
   */
  notRetried?: string;
}

/**
 * `cross-origin`: a redirect to another origin, not followed. `redirect`: any
 * other redirect not followed (https to http, too many, no valid target, a body
 * that would go to another origin).
 */
export type HttpErrorKind = 'timeout' | 'deadline' | 'network' | 'aborted' | 'cross-origin' | 'redirect';

export class HttpError extends KindedError<HttpErrorKind> {
  override readonly name = 'HttpError';
  constructor(
    message: string,
    kind: HttpErrorKind,
    readonly attempts: number,
    readonly ms: number,
    /** When the deadline left no time to retry: how the last attempt failed. */
    readonly lastAttempt?: HttpErrorKind,
    /** For a redirect not followed: its 3xx status. */
    readonly status?: number,
  ) {
    super(message, kind);
  }
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const defaultRetryStatus = (status: number) => status === 408 || status === 429 || status >= 500;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that describe a body: dropped with it when a redirect turns the request into a GET. */
const BODY_HEADERS = new Set(['content-type', 'content-encoding', 'content-language', 'content-location']);

/**
 * A redirect target as errors show it: its origin only. Paths and queries
 * can carry secrets (a webhook's path, a signed URL, our own path echoed
 * back), and a masked URL is no longer masked once a server rewrites it.
 */
export function showUrl(url: URL): string {
  return `${url.origin}/${url.pathname === '/' && !url.search ? '' : '…'}`;
}

interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * The request to send after a 3xx, or an HttpError saying why it is not sent.
 * Method and body change as fetch changes them: 301/302 turn a POST into a
 * GET and 303 anything but GET/HEAD, dropping the body; 307/308 keep both.
 */
function nextHop(hop: Hop, status: number, location: string, req: HttpRequest, origin: string, ms: number): Hop {
  const refuse = (message: string, kind: HttpErrorKind = 'redirect') =>
    new HttpError(message, kind, 1, ms, undefined, status);
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    throw refuse(`status ${status} redirected to an invalid Location`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw refuse(`status ${status} redirected to a ${url.protocol} URL, not followed`);
  if (hop.url.protocol === 'https:' && url.protocol === 'http:')
    throw refuse(`redirected from https to http (${showUrl(url)}): refused, the request would travel unencrypted`);
  let { method, headers, body } = hop;
  if (
    ((status === 301 || status === 302) && method === 'POST') ||
    (status === 303 && method !== 'GET' && method !== 'HEAD')
  ) {
    method = 'GET';
    body = undefined;
    headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !BODY_HEADERS.has(name.toLowerCase())));
  }
  // Even without headers: the answer of another server says nothing of this one (a login page's 200 is no healthy
  // service).
  if (url.origin !== origin) {
    const target = `redirected to ${showUrl(url)} (status ${status}), another origin`;
    if (req.redirect !== 'follow-any-origin')
      throw refuse(`${target}: not followed, the request and its headers go only to ${origin}`, 'cross-origin');
    if (body !== undefined) throw refuse(`${target}: not followed, it would send the request's body there`);
    headers = {};
  }
  return { url, method, headers, body };
}

/**
 * One attempt, redirects included: resolves with the response (its body read
 * up to the cap), or rejects with an HttpError (never hangs past `timeoutMs`).
 */
async function attempt(
  req: HttpRequest,
  timeoutMs: number,
  cause: 'timeout' | 'deadline',
): Promise<Omit<HttpResponse, 'attempts'>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const cancel = () => controller.abort();
  req.signal?.addEventListener('abort', cancel, { once: true });
  const started = performance.now();
  const first = new URL(req.url);
  let hop: Hop = {
    url: first,
    method: (req.method ?? 'GET').toUpperCase(),
    headers: req.headers ?? {},
    body: req.body,
  };
  const maxRedirects = req.maxRedirects ?? MAX_REDIRECTS;
  try {
    for (let redirects = 0; ; redirects++) {
      // Redirects are followed here, never by the transport: no header may go to another origin.
      const response = await send({ ...hop, signal: controller.signal });
      const status = response.statusCode ?? 0;
      const headers = new ResponseHeaders(response.headers);
      const location = req.redirect !== 'manual' && REDIRECT_STATUSES.has(status) ? headers.get('location') : null;
      if (location === null) {
        const { body, truncated } = await readBody(response, req.maxBodyBytes ?? MAX_BODY_BYTES);
        return { status, headers, body, truncated, ms: performance.now() - started, url: hop.url.href };
      }
      response.destroy();
      const next = nextHop(hop, status, location, req, first.origin, performance.now() - started);
      if (redirects >= maxRedirects)
        throw new HttpError(
          `more than ${maxRedirects} redirects (the last to ${showUrl(next.url)})`,
          'redirect',
          1,
          performance.now() - started,
          undefined,
          status,
        );
      hop = next;
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    const ms = performance.now() - started;
    if (req.signal?.aborted) throw new HttpError('aborted', 'aborted', 1, ms);
    if (controller.signal.aborted) {
      const message =
        cause === 'deadline'
          ? `deadline reached after ${formatDuration(ms)}`
          : `timed out after ${formatDuration(timeoutMs)}`;
      throw new HttpError(message, cause, 1, ms);
    }
    throw new HttpError(networkMessage(error), 'network', 1, ms);
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', cancel);
  }
}

function networkMessage(error: unknown): string {
  // node:http's errors carry their code; a tunnel's or TLS's may wrap theirs in `cause`.
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.code ? e : e?.cause;
  if (cause?.code)
    return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` (${cause.message})` : cause.message ? ` ${cause.message.replace(cause.code, '').trim()}` : ''}`.trim();
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/**
 * An HTTP request with a per-attempt timeout, an overall deadline and bounded
 * retries (exponential backoff with jitter; `Retry-After` honoured when the
 * deadline allows, never slept past it). Without a `deadline`, every attempt
 * at full length plus capped backoff is the deadline. Returns the last
 * response, whatever its status; throws HttpError when no response came at
 * all, or a redirect was not followed (never retried: the answer would be the same).
 */
export async function request(req: HttpRequest): Promise<HttpResponse> {
  const method = (req.method ?? 'GET').toUpperCase();
  const retries = req.retryUnsafe || IDEMPOTENT.has(method) ? (req.retries ?? 3) : 0;
  const retryStatus = req.retryStatus ?? defaultRetryStatus;
  const perAttempt = req.timeoutMs ?? 10_000;
  const total = retries + 1;
  const deadline = req.deadline ?? Date.now() + perAttempt * total + MAX_BACKOFF_MS * retries;
  for (let n = 1; ; n++) {
    const left = deadline - Date.now();
    if (left <= 0) throw new HttpError('deadline reached before the request could be sent', 'deadline', n - 1, 0);
    if (req.signal?.aborted) throw new HttpError('aborted', 'aborted', n - 1, 0);
    const cut = left < perAttempt ? 'deadline' : 'timeout';
    let reason: string;
    let wait: number | undefined;
    let last: HttpResponse | undefined;
    let failedAs: HttpErrorKind | undefined;
    try {
      const response = await attempt(req, Math.min(perAttempt, left), cut);
      last = { ...response, attempts: n };
      if (n === total || !retryStatus(response.status)) return last;
      reason = `status ${response.status}`;
      wait = retryAfterMs(response.headers.get('retry-after'));
    } catch (error) {
      const e = error as HttpError;
      if (
        n === total ||
        e.kind === 'deadline' ||
        e.kind === 'aborted' ||
        e.kind === 'cross-origin' ||
        e.kind === 'redirect'
      )
        throw new HttpError(e.message, e.kind, n, e.ms, undefined, e.status);
      reason = e.message;
      failedAs = e.kind;
    }
    const delay = wait ?? backoffDelay(n, req.baseDelayMs);
    const remaining = deadline - Date.now();
    if (delay >= remaining) {
      const notRetried =
        wait === undefined
          ? `no time left before the deadline to retry`
          : `the server asked to retry after ${formatDuration(wait)}, longer than the ${formatDuration(Math.max(0, remaining))} left before the deadline`;
      if (last) return { ...last, notRetried };
      throw new HttpError(`${reason}; ${notRetried}`, 'deadline', n, 0, failedAs);
    }
    req.onRetry?.({ attempt: n, of: total, delayMs: delay, reason });
    await sleep(delay, req.signal);
  }
}
