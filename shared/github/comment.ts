/**
 * One pull-request comment per `key`, found again by a hidden marker and
 * updated in place (a preview's URL, posted once and kept current), and the
 * pull request's state (a closed one's preview is never deployed again).
 * Through the suite's Octokit (octokit.ts: loaded on first use, a deadline per
 * call, retries honouring Retry-After); a create is never retried after a 5xx.
 */
import { apiError, octokit, type Octokit } from './octokit.js';

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

/** Comments read looking for ours: 10 pages of 100. */
const MAX_PAGES = 10;

export const marker = (key: string) => `<!-- deploy-actions:${key} -->`;

// A create is not retried after a 5xx: it may have been posted, and a second comment would show.
const client = (target: CommentTarget): Promise<Octokit> =>
  octokit({ token: target.token, apiUrl: target.apiUrl, retries: 2, retryWrites: false, log: target.log });

async function call<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw apiError(`GitHub API: could not ${what}`, error);
  }
}

function repo(target: CommentTarget): { owner: string; repo: string } {
  const [owner, name] = target.repository.split('/') as [string, string];
  return { owner, repo: name };
}

/** `open` or `closed` (merged pull requests are closed). */
export async function pullRequestState(target: CommentTarget): Promise<'open' | 'closed'> {
  const github = await client(target);
  const pr = await call(`read pull request #${target.pullRequest}`, () =>
    github.rest.pulls.get({ ...repo(target), pull_number: target.pullRequest }),
  );
  return pr.data.state === 'open' ? 'open' : 'closed';
}

/** Create the `key` comment on the pull request, or update it when one with its marker is there. */
export async function upsertComment(target: CommentTarget, key: string, body: string): Promise<PostedComment> {
  const github = await client(target);
  const tag = marker(key);
  const text = `${tag}\n${body}`;
  const where = `pull request #${target.pullRequest}`;
  let existing: { id: number } | undefined;
  for (let page = 1; page <= MAX_PAGES && !existing; page++) {
    const list = await call(`list the comments of ${where}`, () =>
      github.rest.issues.listComments({ ...repo(target), issue_number: target.pullRequest, per_page: 100, page }),
    );
    existing = list.data.find((c) => c.body?.startsWith(tag));
    if (list.data.length < 100) break;
  }
  if (existing) {
    const id = existing.id;
    const updated = await call(`update comment ${id} on ${where}`, () =>
      github.rest.issues.updateComment({ ...repo(target), comment_id: id, body: text }),
    );
    return { id, url: updated.data.html_url, created: false };
  }
  const created = await call(`comment on ${where}`, () =>
    github.rest.issues.createComment({ ...repo(target), issue_number: target.pullRequest, body: text }),
  );
  return { id: created.data.id, url: created.data.html_url, created: true };
}
