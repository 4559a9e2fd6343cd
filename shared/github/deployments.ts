import { UserError } from '../errors.js';
import { HttpError, MAX_BODY_BYTES, formatSize, request, type HttpResponse } from '../http.js';

/**
 * GitHub Deployments over REST (shared/http.ts, no Octokit): record a deploy
 * with its statuses, and find what an environment last ran successfully.
 * https://docs.github.com/en/rest/deployments
 */

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive' | 'queued' | 'pending';

/** What we store in a deployment's payload: enough to redeploy it. */
export interface DeploymentPayload {
  image: string;
  provider: string;
  version: string;
  [key: string]: unknown;
}

export interface Deployment {
  id: number;
  ref: string;
  sha: string;
  environment: string;
  payload: Partial<DeploymentPayload>;
  created_at: string;
  description?: string | null;
}

export interface DeploymentStatus {
  id: number;
  state: DeploymentState;
  environment_url?: string;
  log_url?: string;
  created_at: string;
}

export interface DeploymentsClientOptions {
  token: string;
  /** GITHUB_API_URL (GitHub Enterprise Server has its own). */
  apiUrl: string;
  /** `owner/repo`. */
  repository: string;
  /** Per attempt. Default 15s. */
  timeoutMs?: number;
  /** Overall, per call: attempts, backoff and any Retry-After together (a longer Retry-After ends the retries). Default 60s. */
  callDeadlineMs?: number;
  log?: (line: string) => void;
}

export interface CreateDeployment {
  /** The commit SHA (or ref) being deployed. */
  ref: string;
  environment: string;
  payload: DeploymentPayload;
  description?: string;
}

export interface StatusUpdate {
  state: DeploymentState;
  environmentUrl?: string;
  logUrl?: string;
  description?: string;
}

/** Environments whose name starts with `prod` are production for GitHub. */
export const isProductionEnvironment = (environment: string): boolean => /^prod/i.test(environment);

export class DeploymentsClient {
  private readonly base: string;

  constructor(private readonly options: DeploymentsClientOptions) {
    this.base = `${options.apiUrl.replace(/\/$/, '')}/repos/${options.repository}`;
  }

  async create(deployment: CreateDeployment): Promise<Deployment> {
    // Never retried: a retried POST could record the deploy twice.
    const what = 'create a deployment';
    const response = await this.call(what, 'POST', '/deployments', {
      ref: deployment.ref,
      task: 'deploy',
      environment: deployment.environment,
      payload: deployment.payload,
      description: deployment.description ?? `Deploy ${deployment.payload.version}`.slice(0, 140),
      auto_merge: false,
      required_contexts: [],
      transient_environment: false,
      production_environment: isProductionEnvironment(deployment.environment),
    });
    if (response.status !== 201) throw this.failure(what, response);
    return this.json<Deployment>(what, response);
  }

  async setStatus(id: number, update: StatusUpdate): Promise<DeploymentStatus> {
    const body: Record<string, unknown> = { state: update.state, auto_inactive: false };
    if (update.environmentUrl) body.environment_url = update.environmentUrl;
    if (update.logUrl) body.log_url = update.logUrl;
    if (update.description) body.description = update.description.slice(0, 140);
    // Posting the same status twice is harmless, so a lost answer may be retried.
    const what = `set deployment ${id} to ${update.state}`;
    const response = await this.call(what, 'POST', `/deployments/${id}/statuses`, body, true);
    if (response.status !== 201) throw this.failure(what, response);
    return this.json<DeploymentStatus>(what, response);
  }

  /** Deployments of an environment, newest first (one page). */
  async list(environment: string, perPage = 30): Promise<Deployment[]> {
    const query = new URLSearchParams({ environment, per_page: String(perPage) });
    const what = `list deployments of ${environment}`;
    const response = await this.call(what, 'GET', `/deployments?${query.toString()}`);
    if (response.status !== 200) throw this.failure(what, response);
    return this.json<Deployment[]>(what, response);
  }

  /** Statuses of a deployment, newest first. */
  async statuses(id: number): Promise<DeploymentStatus[]> {
    const what = `list statuses of deployment ${id}`;
    const response = await this.call(what, 'GET', `/deployments/${id}/statuses?per_page=100`);
    if (response.status !== 200) throw this.failure(what, response);
    return this.json<DeploymentStatus[]>(what, response);
  }

  /**
   * The newest deployment of `environment` that succeeded and whose image is
   * not `excludeImage` (the release being rolled back from).
   */
  async lastSuccessful(environment: string, excludeImage?: string): Promise<Deployment | undefined> {
    for (const deployment of await this.list(environment)) {
      if (!deployment.payload?.image || deployment.payload.image === excludeImage) continue;
      const states = (await this.statuses(deployment.id)).map((s) => s.state);
      // Success followed by inactive (superseded) still counts as a good release.
      if (states.includes('success') && !states.includes('failure')) return deployment;
    }
    return undefined;
  }

  /** Mark earlier successful deployments of the environment inactive (superseded by `currentId`). */
  async deactivateEarlier(environment: string, currentId: number): Promise<number[]> {
    const done: number[] = [];
    for (const deployment of await this.list(environment)) {
      if (deployment.id === currentId) continue;
      const [latest] = await this.statuses(deployment.id);
      if (latest?.state !== 'success') continue;
      await this.setStatus(deployment.id, { state: 'inactive', description: `Superseded by deployment ${currentId}` });
      done.push(deployment.id);
    }
    return done;
  }

  private async call(what: string, method: string, path: string, body?: unknown, retryUnsafe = false): Promise<HttpResponse> {
    try {
      return await request({
        url: `${this.base}${path}`,
        method,
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${this.options.token}`,
          'x-github-api-version': '2022-11-28',
          'user-agent': 'deploy-actions',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        timeoutMs: this.options.timeoutMs ?? 15_000,
        retries: 3,
        deadline: Date.now() + (this.options.callDeadlineMs ?? 60_000),
        retryUnsafe,
        onRetry: (r) => this.options.log?.(`GitHub API ${method} ${path}: ${r.reason}, retry ${r.attempt}/${r.of - 1} in ${r.delayMs}ms`),
      });
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      const tries = error.attempts > 1 ? ` (${error.attempts} attempts)` : '';
      throw new UserError(`GitHub API: could not ${what}: ${error.message}${tries}`);
    }
  }

  private json<T>(what: string, response: HttpResponse): T {
    if (response.truncated) throw new UserError(`GitHub API: could not ${what}: the answer is larger than ${formatSize(MAX_BODY_BYTES)}`);
    try {
      return JSON.parse(response.body) as T;
    } catch {
      throw new UserError(`GitHub API: could not ${what}: the answer is not JSON (status ${response.status})`);
    }
  }

  private failure(what: string, response: HttpResponse): UserError {
    let message = response.body.slice(0, 300);
    try {
      message = (JSON.parse(response.body) as { message?: string }).message ?? message;
    } catch {
      // not JSON: keep the raw excerpt
    }
    const hint =
      response.status === 403 || response.status === 404
        ? ' (the token needs `permissions: deployments: write`; set `github-token` to an empty string to skip GitHub Deployments)'
        : '';
    const stopped = response.notRetried ? `; not retried: ${response.notRetried}` : '';
    return new UserError(`GitHub API: could not ${what}: ${response.status} ${message}${hint}${stopped}`);
  }
}
