import { apiError, octokit, type GitHubApiOptions } from './octokit.js';

/** The fields of a repository the image labels and tag rules use (GET /repos/{owner}/{repo}). */
export interface RepositoryMetadata {
  name?: string;
  description?: string | null;
  html_url?: string;
  default_branch?: string;
  license?: { spdx_id?: string | null } | null;
}

export interface RepositoryRequest extends Pick<GitHubApiOptions, 'token' | 'apiUrl' | 'log'> {
  /** `owner/repo`. */
  repository: string;
}

/**
 * The repository as the REST API describes it
 * (https://docs.github.com/en/rest/repos/repos#get-a-repository), with the job
 * token (any job token may read its own repository's metadata): 10s per
 * attempt, retries of 5xx and 429 with backoff honouring Retry-After, all
 * within 30s. Fails with a UserError saying why.
 */
export async function getRepository(req: RepositoryRequest): Promise<RepositoryMetadata> {
  const [owner = '', repo = ''] = req.repository.split('/');
  const api = await octokit({ ...req, timeoutMs: 10_000, retries: 3, callDeadlineMs: 30_000 });
  try {
    const { data } = await api.rest.repos.get({ owner, repo });
    return data;
  } catch (error) {
    throw apiError(`GitHub API GET /repos/${req.repository}`, error);
  }
}
