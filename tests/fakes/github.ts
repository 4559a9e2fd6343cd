/**
 * Test double of GitHub's REST API for Deployments and deployment statuses
 * (https://docs.github.com/en/rest/deployments) and for reading the
 * repository (GET /repos/{owner}/{repo}, https://docs.github.com/en/rest/repos/repos#get-a-repository),
 * a pull request's state (GET /repos/{owner}/{repo}/pulls/{n}) and its comments
 * (https://docs.github.com/en/rest/issues/comments: list, create, update):
 * the documented paths, JSON shapes and status codes, newest-first listings. It validates what it
 * receives (token, headers, body fields and types) and records every problem,
 * so a test can assert the client spoke the API correctly.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, startServer, type TestServer } from '../harness/server.js';

export interface FakeDeployment {
  id: number;
  ref: string;
  sha: string;
  task: string;
  environment: string;
  payload: Record<string, unknown>;
  description: string | null;
  production_environment: boolean;
  transient_environment: boolean;
  created_at: string;
  statuses: FakeStatus[];
  /** The request body as received, for assertions. */
  body: Record<string, unknown>;
}

export interface FakeStatus {
  id: number;
  state: string;
  environment_url: string;
  log_url: string;
  description: string;
  created_at: string;
}

export interface GitHubDouble {
  url: string;
  server: TestServer;
  deployments: FakeDeployment[];
  /** Everything in order: `deployment <id>` and `status <id> <state>`. */
  events: string[];
  /** Requests that broke the API's rules (empty when the client behaved). */
  problems: string[];
  /** Pull-request comments, oldest first; `issue` is the pull request's number. */
  comments: FakeComment[];
  /** Pull requests the double knows, by number (an unknown one answers 404). */
  pullRequests: Map<number, { state: 'open' | 'closed'; merged: boolean }>;
  close(): Promise<void>;
}

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  created_at: string;
  updated_at: string;
}

const STATES = new Set(['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success']);

/** What GET /repos/{owner}/{repo} describes (the fields a client may read; the rest of the answer is filled in). */
export interface FakeRepository {
  default_branch: string;
  description: string | null;
  license: { key: string; name: string; spdx_id: string } | null;
}

const DEFAULT_REPOSITORY: FakeRepository = { default_branch: 'main', description: null, license: null };

export interface GitHubDoubleOptions {
  token: string;
  repository: string;
  repositoryInfo?: Partial<FakeRepository>;
  /** An outage: the first `failures` requests (Infinity: all) get 503 Service Unavailable, as GitHub answers then. */
  outage?: { failures: number };
  /** Told of every deployment status created (the demo prints them). */
  onStatus?: (deployment: FakeDeployment, status: FakeStatus) => void;
}

export async function startGitHubDouble(options: GitHubDoubleOptions): Promise<GitHubDouble> {
  const repositoryInfo = { ...DEFAULT_REPOSITORY, ...options.repositoryInfo };
  const deployments: FakeDeployment[] = [];
  const events: string[] = [];
  const problems: string[] = [];
  const comments: FakeComment[] = [];
  const pullRequests = new Map<number, { state: 'open' | 'closed'; merged: boolean }>();
  let nextId = 1000;
  const base = `/repos/${options.repository}`;

  let unavailable = options.outage?.failures ?? 0;
  const handler = (req: IncomingMessage & { body: string }, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const where = `${req.method} ${url.pathname}`;
    if (unavailable > 0) {
      unavailable--;
      events.push(`503 ${where}`);
      return json(res, 503, { message: 'Service Unavailable' });
    }
    // GitHub takes both schemes for a token (Octokit sends `token`).
    if (
      req.headers.authorization !== `Bearer ${options.token}` &&
      req.headers.authorization !== `token ${options.token}`
    ) {
      problems.push(`${where}: bad Authorization header`);
      return json(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    if (!String(req.headers.accept ?? '').includes('application/vnd.github+json'))
      problems.push(`${where}: Accept is not application/vnd.github+json`);
    if (!req.headers['user-agent']) problems.push(`${where}: no User-Agent (GitHub rejects those)`);
    let body: Record<string, unknown> = {};
    if (req.method === 'POST' || req.method === 'PATCH') {
      if (!String(req.headers['content-type'] ?? '').includes('application/json'))
        problems.push(`${where}: body is not declared JSON`);
      try {
        body = JSON.parse(req.body) as Record<string, unknown>;
      } catch {
        problems.push(`${where}: body is not JSON`);
        return json(res, 400, { message: 'Problems parsing JSON' });
      }
    }
    const invalid = (field: string, why: string) => {
      problems.push(`${where}: ${field} ${why}`);
      json(res, 422, { message: 'Validation Failed', errors: [{ resource: 'Deployment', field, code: 'invalid' }] });
    };
    const now = new Date().toISOString();

    if (req.method === 'POST' && url.pathname === `${base}/deployments`) {
      if (typeof body.ref !== 'string' || !body.ref) return invalid('ref', 'must be a non-empty string');
      if (typeof body.environment !== 'string' || !body.environment)
        return invalid('environment', 'must be a non-empty string');
      if (
        body.payload !== undefined &&
        (typeof body.payload !== 'object' || body.payload === null || Array.isArray(body.payload))
      )
        return invalid('payload', 'must be an object');
      if (body.auto_merge !== undefined && typeof body.auto_merge !== 'boolean')
        return invalid('auto_merge', 'must be a boolean');
      if (body.required_contexts !== undefined && !Array.isArray(body.required_contexts))
        return invalid('required_contexts', 'must be an array');
      for (const flag of ['production_environment', 'transient_environment'])
        if (body[flag] !== undefined && typeof body[flag] !== 'boolean') return invalid(flag, 'must be a boolean');
      const deployment: FakeDeployment = {
        id: nextId++,
        ref: body.ref,
        sha: body.ref,
        task: typeof body.task === 'string' ? body.task : 'deploy',
        environment: body.environment,
        payload: (body.payload as Record<string, unknown>) ?? {},
        description: typeof body.description === 'string' ? body.description : null,
        production_environment:
          (body.production_environment as boolean | undefined) ?? body.environment === 'production',
        transient_environment: (body.transient_environment as boolean | undefined) ?? false,
        created_at: now,
        statuses: [],
        body,
      };
      deployments.push(deployment);
      events.push(`deployment ${deployment.id}`);
      const { statuses: _s, body: _b, ...wire } = deployment;
      return json(res, 201, {
        ...wire,
        url: `${server.url}${base}/deployments/${deployment.id}`,
        statuses_url: `${server.url}${base}/deployments/${deployment.id}/statuses`,
        creator: { login: 'github-actions[bot]' },
        updated_at: now,
      });
    }

    const statusPath = new RegExp(`^${base}/deployments/(\\d+)/statuses$`).exec(url.pathname);
    if (statusPath) {
      const deployment = deployments.find((d) => d.id === Number(statusPath[1]));
      if (!deployment) return json(res, 404, { message: 'Not Found' });
      if (req.method === 'GET') return json(res, 200, [...deployment.statuses].reverse());
      if (req.method !== 'POST') return json(res, 404, { message: 'Not Found' });
      if (typeof body.state !== 'string' || !STATES.has(body.state))
        return invalid('state', `must be one of ${[...STATES].join(', ')}`);
      for (const field of ['log_url', 'environment_url', 'target_url'])
        if (body[field] !== undefined && (typeof body[field] !== 'string' || !/^https?:\/\//.test(body[field])))
          return invalid(field, 'must be an http(s) URL');
      if (body.description !== undefined && (typeof body.description !== 'string' || body.description.length > 140))
        return invalid('description', 'must be a string of at most 140 characters');
      const status: FakeStatus = {
        id: nextId++,
        state: body.state,
        environment_url: (body.environment_url as string) ?? '',
        log_url: (body.log_url as string) ?? '',
        description: (body.description as string) ?? '',
        created_at: now,
      };
      deployment.statuses.push(status);
      events.push(`status ${deployment.id} ${status.state}`);
      options.onStatus?.(deployment, status);
      return json(res, 201, {
        ...status,
        url: `${server.url}${base}/deployments/${deployment.id}/statuses/${status.id}`,
      });
    }

    if (req.method === 'GET' && url.pathname === `${base}/deployments`) {
      const env = url.searchParams.get('environment');
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      if (!(perPage >= 1 && perPage <= 100)) problems.push(`${where}: per_page must be 1..100`);
      const list = deployments
        .filter((d) => !env || d.environment === env)
        .reverse()
        .slice(0, perPage);
      return json(
        res,
        200,
        list.map(({ statuses: _s, body: _b, ...wire }) => wire),
      );
    }

    if (req.method === 'GET' && url.pathname === base) {
      if (url.search) problems.push(`${where}: takes no query`);
      const [owner, name] = options.repository.split('/') as [string, string];
      const html = `https://github.com/${options.repository}`;
      return json(res, 200, {
        id: 1296269,
        node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
        name,
        full_name: options.repository,
        owner: { login: owner, id: 1, type: 'Organization', html_url: `https://github.com/${owner}` },
        private: false,
        html_url: html,
        description: repositoryInfo.description,
        fork: false,
        url: `${server.url}${base}`,
        homepage: null,
        visibility: 'public',
        default_branch: repositoryInfo.default_branch,
        license: repositoryInfo.license && {
          ...repositoryInfo.license,
          url: `https://api.github.com/licenses/${repositoryInfo.license.key}`,
          node_id: 'MDc6TGljZW5zZTEz',
        },
        topics: [],
        archived: false,
        permissions: { admin: false, maintain: false, push: false, triage: false, pull: true },
      });
    }

    const pull = new RegExp(`^${base}/pulls/(\\d+)$`).exec(url.pathname);
    if (req.method === 'GET' && pull) {
      const pr = pullRequests.get(Number(pull[1]));
      if (!pr) return json(res, 404, { message: 'Not Found' });
      return json(res, 200, {
        number: Number(pull[1]),
        state: pr.state,
        merged: pr.merged,
        html_url: `https://github.com/${options.repository}/pull/${pull[1]}`,
      });
    }

    const commentHtml = (c: FakeComment) =>
      `https://github.com/${options.repository}/pull/${c.issue}#issuecomment-${c.id}`;
    const wireComment = (c: FakeComment) => ({
      id: c.id,
      body: c.body,
      html_url: commentHtml(c),
      created_at: c.created_at,
      updated_at: c.updated_at,
      user: { login: 'github-actions[bot]' },
    });
    const validBody = () =>
      typeof body.body === 'string' && body.body.length > 0 && body.body.length <= 65_536
        ? true
        : (invalid('body', 'must be a string of 1 to 65536 characters'), false);
    const issueComments = new RegExp(`^${base}/issues/(\\d+)/comments$`).exec(url.pathname);
    if (issueComments) {
      const issue = Number(issueComments[1]);
      if (!pullRequests.has(issue)) return json(res, 404, { message: 'Not Found' });
      if (req.method === 'GET') {
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        if (!(perPage >= 1 && perPage <= 100)) problems.push(`${where}: per_page must be 1..100`);
        const own = comments.filter((c) => c.issue === issue);
        return json(res, 200, own.slice((page - 1) * perPage, page * perPage).map(wireComment));
      }
      if (req.method === 'POST') {
        if (!validBody()) return;
        const comment: FakeComment = {
          id: nextId++,
          issue,
          body: body.body as string,
          created_at: now,
          updated_at: now,
        };
        comments.push(comment);
        events.push(`comment ${comment.id} created`);
        return json(res, 201, wireComment(comment));
      }
    }
    const oneComment = new RegExp(`^${base}/issues/comments/(\\d+)$`).exec(url.pathname);
    if (oneComment && req.method === 'PATCH') {
      const comment = comments.find((c) => c.id === Number(oneComment[1]));
      if (!comment) return json(res, 404, { message: 'Not Found' });
      if (!validBody()) return;
      comment.body = body.body as string;
      comment.updated_at = now;
      events.push(`comment ${comment.id} updated`);
      return json(res, 200, wireComment(comment));
    }

    problems.push(`${where}: not an endpoint this double serves`);
    return json(res, 404, { message: 'Not Found' });
  };
  const server = await startServer(handler);
  return {
    url: server.url,
    server,
    deployments,
    events,
    problems,
    comments,
    pullRequests,
    close: () => server.close(),
  };
}
