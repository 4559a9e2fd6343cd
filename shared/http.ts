import { ProxyAgent, fetch as proxyFetch } from 'undici';
import { formatDuration } from './duration.js';
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
  redirect?: 'follow' | 'manual';
  /** Called before each retry, to report progress. */
  onRetry?: (info: RetryInfo) => void;
  baseDelayMs?: number;
  /** The caller no longer needs the answer: cut the running attempt and retry no more. */
  signal?: AbortSignal;
}

export interface RetryInfo {
  attempt: number;
  of: number;
  delayMs: number;
  reason: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: string;
  /** Latency of the attempt that produced this response. */
  ms: number;
  attempts: number;
  url: string;
}

export type HttpErrorKind = 'timeout' | 'deadline' | 'network' | 'aborted';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    message: string,
    readonly kind: HttpErrorKind,
    readonly attempts: number,
    readonly ms: number,
    /** When the deadline left no time to retry: how the last attempt failed. */
    readonly lastAttempt?: HttpErrorKind,
  ) {
    super(message);
  }
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const defaultRetryStatus = (status: number) => status === 408 || status === 429 || status >= 500;

type Fetch = typeof globalThis.fetch;
const agents = new Map<string, ProxyAgent>();

/**
 * The proxy for `url` from HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as self-hosted
 * runners set them (Node's own fetch ignores them). NO_PROXY entries match a
 * host exactly or as a domain suffix (`.corp.example`), optionally with a port; `*` disables.
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const proxy = url.protocol === 'https:' ? (env.https_proxy ?? env.HTTPS_PROXY ?? env.http_proxy ?? env.HTTP_PROXY) : (env.http_proxy ?? env.HTTP_PROXY);
  if (!proxy) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const entry of (env.no_proxy ?? env.NO_PROXY ?? '').split(/[,\s]+/).filter(Boolean)) {
    if (entry === '*') return undefined;
    const [, name = entry, entryPort] = /^(.+?)(?::(\d+))?$/.exec(entry.toLowerCase()) ?? [];
    if (entryPort && entryPort !== port) continue;
    const suffix = name.replace(/^\*/, '');
    if (host === suffix.replace(/^\./, '') || (suffix.startsWith('.') && host.endsWith(suffix))) return undefined;
  }
  return proxy;
}

function fetcher(url: string): { fetch: Fetch; init: Record<string, unknown> } {
  const proxy = proxyFor(new URL(url));
  if (!proxy) return { fetch: globalThis.fetch, init: {} };
  let agent = agents.get(proxy);
  if (!agent) agents.set(proxy, (agent = new ProxyAgent(proxy)));
  return { fetch: proxyFetch as unknown as Fetch, init: { dispatcher: agent } };
}

/** One attempt: resolves with the whole response, or rejects with an HttpError (never hangs past `timeoutMs`). */
async function attempt(req: HttpRequest, timeoutMs: number, cause: 'timeout' | 'deadline'): Promise<Omit<HttpResponse, 'attempts'>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const cancel = () => controller.abort();
  req.signal?.addEventListener('abort', cancel, { once: true });
  const started = performance.now();
  const { fetch, init } = fetcher(req.url);
  try {
    const response = await fetch(req.url, {
      ...init,
      method: req.method ?? 'GET',
      headers: req.headers,
      body: req.body,
      redirect: req.redirect ?? 'follow',
      signal: controller.signal,
    });
    const body = await response.text();
    return { status: response.status, headers: response.headers, body, ms: performance.now() - started, url: response.url || req.url };
  } catch (error) {
    const ms = performance.now() - started;
    if (req.signal?.aborted) throw new HttpError('aborted', 'aborted', 1, ms);
    if (controller.signal.aborted) {
      const message = cause === 'deadline' ? `deadline reached after ${formatDuration(ms)}` : `timed out after ${formatDuration(timeoutMs)}`;
      throw new HttpError(message, cause, 1, ms);
    }
    throw new HttpError(networkMessage(error), 'network', 1, ms);
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', cancel);
  }
}

function networkMessage(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` (${cause.message})` : cause.message ? ` ${cause.message.replace(cause.code, '').trim()}` : ''}`.trim();
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/**
 * An HTTP request with a per-attempt timeout, an optional overall deadline and
 * bounded retries (exponential backoff with jitter; `Retry-After` honoured
 * when the deadline allows). Returns the last response, whatever its status;
 * throws HttpError when no response came at all.
 */
export async function request(req: HttpRequest): Promise<HttpResponse> {
  const method = (req.method ?? 'GET').toUpperCase();
  const retries = req.retryUnsafe || IDEMPOTENT.has(method) ? (req.retries ?? 3) : 0;
  const retryStatus = req.retryStatus ?? defaultRetryStatus;
  const perAttempt = req.timeoutMs ?? 10_000;
  const total = retries + 1;
  for (let n = 1; ; n++) {
    const left = req.deadline === undefined ? Infinity : req.deadline - Date.now();
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
      if (n === total || e.kind === 'deadline' || e.kind === 'aborted') throw new HttpError(e.message, e.kind, n, e.ms);
      reason = e.message;
      failedAs = e.kind;
    }
    const delay = wait ?? backoffDelay(n, req.baseDelayMs);
    const remaining = req.deadline === undefined ? Infinity : req.deadline - Date.now();
    if (delay >= remaining) {
      if (last) return last;
      throw new HttpError(`${reason}; no time left before the deadline to retry`, 'deadline', n, 0, failedAs);
    }
    req.onRetry?.({ attempt: n, of: total, delayMs: delay, reason });
    await sleep(delay, req.signal);
  }
}
