import { UserError } from '../errors.js';
import { HttpError, request } from '../http.js';

/** The fields of a repository the image labels and tag rules use (GET /repos/{owner}/{repo}). */
export interface RepositoryMetadata {
  name?: string;
  description?: string | null;
  html_url?: string;
  default_branch?: string;
  license?: { spdx_id?: string | null } | null;
}

export interface RepositoryRequest {
  token: string;
  /** GITHUB_API_URL (GitHub Enterprise Server has its own). */
  apiUrl: string;
  /** `owner/repo`. */
  repository: string;
  log: (line: string) => void;
}

/**
 * The repository as the REST API describes it
 * (https://docs.github.com/en/rest/repos/repos#get-a-repository), with the job
 * token (any job token may read its own repository's metadata): 10s per
 * attempt, retries of 5xx and 429 with backoff honouring Retry-After, all
 * within 30s. Fails with a UserError saying why.
 */
export async function getRepository(req: RepositoryRequest): Promise<RepositoryMetadata> {
  const path = `/repos/${req.repository}`;
  let response;
  try {
    response = await request({
      url: `${req.apiUrl.replace(/\/$/, '')}${path}`,
      headers: { accept: 'application/vnd.github+json', authorization: `Bearer ${req.token}`, 'x-github-api-version': '2022-11-28', 'user-agent': 'deploy-actions' },
      timeoutMs: 10_000,
      retries: 3,
      deadline: Date.now() + 30_000,
      onRetry: (r) => req.log(`GitHub API GET ${path}: ${r.reason}, retry ${r.attempt}/${r.of - 1} in ${r.delayMs}ms`),
    });
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    throw new UserError(`GitHub API GET ${path}: ${error.message}${error.attempts > 1 ? ` (${error.attempts} attempts)` : ''}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    body = undefined;
  }
  if (response.status !== 200 || typeof body !== 'object' || body === null) {
    const message = (body as { message?: unknown } | undefined)?.message;
    throw new UserError(`GitHub API GET ${path}: ${response.status}${typeof message === 'string' ? ` ${message.slice(0, 200)}` : ' (not a repository)'}`);
  }
  return body;
}
