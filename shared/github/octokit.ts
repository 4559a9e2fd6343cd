/**
 * GitHub's REST API through @actions/github (Octokit), imported on first use so a
 * step that never calls GitHub never loads it. Octokit builds each request and
 * reads its answer; the transport under it is shared/http.ts, for what Octokit
 * lacks: a deadline per call, bounded retries of 5xx and 429 honouring
 * Retry-After, HTTPS_PROXY/NO_PROXY, redirects within GITHUB_API_URL's origin
 * only (the token never goes elsewhere) and a 1 MiB cap on answers.
 */
import type { getOctokit } from '@actions/github';
import { UserError, errorMessage } from '../errors.js';
import { HttpError, MAX_BODY_BYTES, formatSize, request } from '../http.js';

export type Octokit = ReturnType<typeof getOctokit>;

export interface GitHubApiOptions {
  token: string;
  /** GITHUB_API_URL (GitHub Enterprise Server has its own). */
  apiUrl: string;
  /** Per attempt. Default 15s. */
  timeoutMs?: number;
  /**
   * Overall, per call: attempts, backoff and any Retry-After together (a
   * longer Retry-After ends the retries). Default 60s.
   */
  callDeadlineMs?: number;
  /** Extra attempts after the first. Default 5. */
  retries?: number;
  /**
   * Retry a POST or PATCH GitHub answered 5xx (default true): right for a
   * Deployment record, wrong where a duplicate shows (a comment posted twice).
   */
  retryWrites?: boolean;
  log?: (line: string) => void;
}

/** Why the transport's retries stopped early, carried on the answer to the error message. */
const NOT_RETRIED = 'x-deploy-actions-not-retried';

/**
 * An Octokit whose requests go through shared/http.ts. Every method retries
 * 5xx and 429: a POST that GitHub answered 5xx may (rarely) have been recorded,
 * and a duplicate Deployment left pending costs less than a deploy that waits
 * for GitHub to recover.
 */
export async function octokit(options: GitHubApiOptions): Promise<Octokit> {
  const { GitHub } = await import('@actions/github/lib/utils');
  const debug = (line: string) => options.log?.(`GitHub API: ${line}`);
  const client = new GitHub({
    baseUrl: options.apiUrl.replace(/\/$/, ''),
    userAgent: 'deploy-actions',
    request: { fetch: transport(options) },
    log: { debug: () => undefined, info: () => undefined, warn: debug, error: debug },
  });
  // Set here rather than with Octokit's `auth`, which sends the older `token` scheme.
  client.hook.before('request', (req) => {
    Object.assign(req.headers, {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${options.token}`,
      'x-github-api-version': '2022-11-28',
    });
  });
  return client;
}

function transport(options: GitHubApiOptions): typeof fetch {
  return async (input, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    // Octokit passes the URL as a string.
    const url = input instanceof Request ? input.url : input.toString();
    const path = new URL(url).pathname;
    const response = await request({
      url,
      method,
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: typeof init?.body === 'string' ? init.body : undefined,
      timeoutMs: options.timeoutMs ?? 15_000,
      retries: options.retries ?? 5,
      deadline: Date.now() + (options.callDeadlineMs ?? 60_000),
      retryUnsafe: options.retryWrites ?? true,
      retryStatus: (status) => status === 429 || status >= 500,
      signal: init?.signal ?? undefined,
      onRetry: (r) =>
        options.log?.(`GitHub API ${method} ${path}: ${r.reason}, retry ${r.attempt}/${r.of - 1} in ${r.delayMs}ms`),
    });
    if (response.truncated) throw new Error(`the answer is larger than ${formatSize(MAX_BODY_BYTES)}`);
    const headers = new Headers([...response.headers.entries()]);
    // The body is already decoded and whole: these would describe another one.
    headers.delete('content-encoding');
    headers.delete('content-length');
    if (response.notRetried) headers.set(NOT_RETRIED, response.notRetried);
    const empty = response.status === 204 || response.status === 304;
    return new Response(empty ? null : response.body, { status: response.status, headers });
  };
}

interface OctokitError {
  status?: number;
  cause?: unknown;
  response?: { data?: unknown; headers?: Record<string, string | undefined> };
}

/** A failed GitHub API call; `outage` when the fault is GitHub's (5xx, 429, no answer), not a refusal. */
export class GitHubApiError extends UserError {
  constructor(
    message: string,
    readonly outage: boolean,
  ) {
    super(message);
  }
}

/**
 * A failed call as `<prefix>: <why>`: the status with GitHub's message, or how
 * the transport failed, with `hint` for 403/404 and why the retries stopped
 * early when they did.
 */
export function apiError(prefix: string, error: unknown, hint = ''): GitHubApiError {
  const e = error as OctokitError;
  const cause = e?.cause instanceof HttpError ? e.cause : error instanceof HttpError ? error : undefined;
  if (cause) {
    const tries = cause.attempts > 1 ? ` (${cause.attempts} attempts)` : '';
    return new GitHubApiError(`${prefix}: ${cause.message}${tries}`, cause.kind !== 'aborted');
  }
  if (!e?.response || typeof e.status !== 'number') {
    const why = e?.cause instanceof Error ? e.cause.message : errorMessage(error);
    return new GitHubApiError(`${prefix}: ${why}`, false);
  }
  const data = e.response.data;
  const given = typeof data === 'object' && data ? (data as { message?: unknown }).message : data;
  const message = typeof given === 'string' && given ? ` ${given.slice(0, 300)}` : '';
  const stopped = e.response.headers?.[NOT_RETRIED];
  const advice = e.status === 403 || e.status === 404 ? hint : '';
  const line = `${prefix}: ${e.status}${message}${advice}${stopped ? `; not retried: ${stopped}` : ''}`;
  return new GitHubApiError(line, e.status === 429 || e.status >= 500);
}

/** The failure is GitHub's own (an outage a deploy may outlast), not a refusal of this request. */
export const isOutage = (error: unknown): boolean => error instanceof GitHubApiError && error.outage;
