import { apiError, octokit, type GitHubApiOptions, type Octokit } from './octokit.js';

/**
 * GitHub Deployments through Octokit (shared/github/octokit.ts): record a
 * deploy with its statuses, and find what an environment last ran successfully.
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

export interface DeploymentsClientOptions extends GitHubApiOptions {
  /** `owner/repo`. */
  repository: string;
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

const PERMISSION_HINT =
  ' (the token needs `permissions: deployments: write`; ' +
  'set `github-token` to an empty string to skip GitHub Deployments)';

export class DeploymentsClient {
  private readonly repo: { owner: string; repo: string };
  private api?: Promise<Octokit>;

  constructor(private readonly options: DeploymentsClientOptions) {
    const [owner = '', repo = ''] = options.repository.split('/');
    this.repo = { owner, repo };
  }

  async create(deployment: CreateDeployment): Promise<Deployment> {
    const { data } = await this.call('create a deployment', (api) =>
      api.rest.repos.createDeployment({
        ...this.repo,
        ref: deployment.ref,
        task: 'deploy',
        environment: deployment.environment,
        payload: deployment.payload,
        description: deployment.description ?? `Deploy ${deployment.payload.version}`.slice(0, 140),
        auto_merge: false,
        required_contexts: [],
        transient_environment: false,
        production_environment: isProductionEnvironment(deployment.environment),
      }),
    );
    // 202 is GitHub's "merged the default branch first" answer, which auto_merge: false rules out.
    if (!('id' in data))
      throw apiError(
        'GitHub API: could not create a deployment',
        new Error(data.message ?? 'no deployment in the answer'),
      );
    return data as unknown as Deployment;
  }

  async setStatus(id: number, update: StatusUpdate): Promise<DeploymentStatus> {
    const { data } = await this.call(`set deployment ${id} to ${update.state}`, (api) =>
      api.rest.repos.createDeploymentStatus({
        ...this.repo,
        deployment_id: id,
        state: update.state,
        auto_inactive: false,
        ...(update.environmentUrl && { environment_url: update.environmentUrl }),
        ...(update.logUrl && { log_url: update.logUrl }),
        ...(update.description && { description: update.description.slice(0, 140) }),
      }),
    );
    return data;
  }

  /** Deployments of an environment, newest first (one page). */
  async list(environment: string, perPage = 30): Promise<Deployment[]> {
    const { data } = await this.call(`list deployments of ${environment}`, (api) =>
      api.rest.repos.listDeployments({ ...this.repo, environment, per_page: perPage }),
    );
    return data as unknown as Deployment[];
  }

  /** Statuses of a deployment, newest first. */
  async statuses(id: number): Promise<DeploymentStatus[]> {
    const { data } = await this.call(`list statuses of deployment ${id}`, (api) =>
      api.rest.repos.listDeploymentStatuses({ ...this.repo, deployment_id: id, per_page: 100 }),
    );
    return data;
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

  private async call<T>(what: string, send: (api: Octokit) => Promise<T>): Promise<T> {
    this.api ??= octokit(this.options);
    try {
      return await send(await this.api);
    } catch (error) {
      throw apiError(`GitHub API: could not ${what}`, error, PERMISSION_HINT);
    }
  }
}
