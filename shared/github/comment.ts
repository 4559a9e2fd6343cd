/**
 * One pull-request comment per `key`, found again by a hidden marker and
 * updated in place (a preview's URL, posted once and kept current), and the
 * pull request's state (a closed one's preview is never deployed again).
 * Through @actions/github's Octokit, imported on first use so actions that
 * never comment do not load it. Each call has a timeout; reads and updates
 * are retried with backoff (honouring Retry-After), a create never is.
 */
import type { getOctokit } from '@actions/github';
import { UserError } from '../errors.js';
import { backoffDelay, retryAfterMs, sleep } from '../retry.js';

type Octokit = ReturnType<typeof getOctokit>;

export interface CommentTarget {
  token: string;
  apiUrl: string;
  /** `owner/name`. */
  repository: string;
  pullRequest: number;
  log: (line: string) => void;
}

export interface PostedComment {
  id: number;
  url: string;
  created: boolean;
}

const ATTEMPTS = 3;
/** As GitHub's REST documentation asks (Octokit's default Accept is the older v3 media type). */
const HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
const TIMEOUT_MS = 15_000;
/** Comments read looking for ours: 10 pages of 100. */
const MAX_PAGES = 10;

export const marker = (key: string) => `<!-- deploy-actions:${key} -->`;

async function octokit(target: CommentTarget): Promise<Octokit> {
  const { getOctokit } = await import('@actions/github');
  return getOctokit(target.token, { baseUrl: target.apiUrl.replace(/\/$/, ''), userAgent: 'deploy-actions' });
}

/** A transient failure (network, 5xx, 429, secondary rate limit) is worth another attempt. */
function transient(error: unknown): { retry: boolean; waitMs?: number } {
  const e = error as { status?: number; response?: { headers?: Record<string, string> } };
  const wait = retryAfterMs(e.response?.headers?.['retry-after']);
  if (e.status === undefined) return { retry: true };
  return { retry: e.status >= 500 || e.status === 429 || (e.status === 403 && wait !== undefined), waitMs: wait };
}

async function call<T>(target: CommentTarget, what: string, retry: boolean, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(AbortSignal.timeout(TIMEOUT_MS));
    } catch (error) {
      const t = transient(error);
      const status = (error as { status?: number }).status;
      const reason = status ? `HTTP ${status}` : (error as Error).message;
      if (!retry || !t.retry || attempt === ATTEMPTS) throw new UserError(`GitHub API: could not ${what}: ${reason}${attempt > 1 ? ` (${attempt} attempts)` : ''}`);
      const delay = Math.min(t.waitMs ?? backoffDelay(attempt), 30_000);
      target.log(`GitHub API: ${what}: ${reason}; retry ${attempt}/${ATTEMPTS - 1} in ${delay}ms`);
      await sleep(delay);
    }
  }
}

function repo(target: CommentTarget): { owner: string; repo: string } {
  const [owner, name] = target.repository.split('/') as [string, string];
  return { owner, repo: name };
}

/** `open` or `closed` (merged pull requests are closed). */
export async function pullRequestState(target: CommentTarget): Promise<'open' | 'closed'> {
  const client = await octokit(target);
  const pr = await call(target, `read pull request #${target.pullRequest}`, true, (signal) =>
    client.rest.pulls.get({ ...repo(target), pull_number: target.pullRequest, headers: HEADERS, request: { signal } }),
  );
  return pr.data.state === 'open' ? 'open' : 'closed';
}

/** Create the `key` comment on the pull request, or update it when one with its marker is there. */
export async function upsertComment(target: CommentTarget, key: string, body: string): Promise<PostedComment> {
  const client = await octokit(target);
  const tag = marker(key);
  const text = `${tag}\n${body}`;
  const where = `pull request #${target.pullRequest}`;
  let existing: { id: number } | undefined;
  for (let page = 1; page <= MAX_PAGES && !existing; page++) {
    const list = await call(target, `list the comments of ${where}`, true, (signal) =>
      client.rest.issues.listComments({ ...repo(target), issue_number: target.pullRequest, per_page: 100, page, headers: HEADERS, request: { signal } }),
    );
    existing = list.data.find((c) => c.body?.startsWith(tag));
    if (list.data.length < 100) break;
  }
  if (existing) {
    const id = existing.id;
    const updated = await call(target, `update comment ${id} on ${where}`, true, (signal) =>
      client.rest.issues.updateComment({ ...repo(target), comment_id: id, body: text, headers: HEADERS, request: { signal } }),
    );
    return { id, url: updated.data.html_url, created: false };
  }
  // Never retried: a retried create could post the comment twice.
  const created = await call(target, `comment on ${where}`, false, (signal) =>
    client.rest.issues.createComment({ ...repo(target), issue_number: target.pullRequest, body: text, headers: HEADERS, request: { signal } }),
  );
  return { id: created.data.id, url: created.data.html_url, created: true };
}
