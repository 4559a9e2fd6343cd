import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeploymentsClient, isProductionEnvironment } from '../../shared/github/deployments.js';
import { UserError } from '../../shared/errors.js';
import { GitHubApiError, isOutage } from '../../shared/github/octokit.js';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';
import { json, startServer, type Handler, type TestServer } from '../harness/server.js';

type ClientLimits = Omit<ConstructorParameters<typeof DeploymentsClient>[0], 'token' | 'apiUrl' | 'repository'>;

/** A client for acme/shop against a local server answering with `handler`, handed to `use`; the server closes after. */
async function withLocalServer(
  handler: Handler,
  limits: ClientLimits,
  use: (client: DeploymentsClient, server: TestServer) => Promise<void>,
): Promise<void> {
  const server = await startServer(handler);
  try {
    await use(new DeploymentsClient({ token: 't0k', apiUrl: server.url, repository: 'acme/shop', ...limits }), server);
  } finally {
    await server.close();
  }
}

describe('GitHub Deployments client (against the GitHub REST test double)', () => {
  let github: GitHubDouble;
  let client: DeploymentsClient;
  beforeAll(async () => {
    github = await startGitHubDouble({ token: 't0k', repository: 'acme/shop' });
    client = new DeploymentsClient({ token: 't0k', apiUrl: `${github.url}/`, repository: 'acme/shop' });
  });
  // Failure paths too: whatever the step did, it spoke the API correctly.
  afterEach(() => expect(github.problems.splice(0), 'requests the GitHub double found malformed').toEqual([]));
  afterAll(() => github.close());

  const deploy = async (image: string, state: 'success' | 'failure') => {
    const d = await client.create({
      ref: 'abc',
      environment: 'production',
      payload: { image, provider: 'command', version: image },
    });
    await client.setStatus(d.id, { state: 'in_progress', logUrl: 'https://github.com/acme/shop/actions/runs/1' });
    await client.setStatus(d.id, { state, environmentUrl: 'https://shop.example.com' });
    return d;
  };

  it('finds the last successful deployment other than the current image (the fallback for providers without history)', async () => {
    const good = await deploy('app:1', 'success');
    await deploy('app:2', 'failure');
    const current = await deploy('app:3', 'success');
    expect((await client.lastSuccessful('production', 'app:3'))?.id).toBe(good.id);
    expect((await client.lastSuccessful('production'))?.id).toBe(current.id);
    expect(await client.lastSuccessful('staging')).toBeUndefined();
    expect(github.problems).toEqual([]);
  });

  it('marks earlier successful deployments inactive and leaves failed ones alone', async () => {
    const latest = github.deployments.at(-1)!;
    const inactive = await client.deactivateEarlier('production', latest.id);
    expect(inactive).toEqual([github.deployments[0].id]);
    expect(github.events.at(-1)).toBe(`status ${github.deployments[0].id} inactive`);
  });

  it('explains a refused token instead of failing obscurely', async () => {
    const bad = new DeploymentsClient({ token: 'wrong', apiUrl: github.url, repository: 'acme/shop' });
    await expect(
      bad.create({ ref: 'abc', environment: 'production', payload: { image: 'a', provider: 'docker', version: 'a' } }),
    ).rejects.toThrow(/401 Bad credentials/);
    // The one problem the double saw is the wrong token this test sent.
    expect(github.problems.splice(0)).toEqual(['POST /repos/acme/shop/deployments: bad Authorization header']);
  });

  it("never sleeps a Retry-After past the call's deadline (a local server answering as GitHub does when rate-limited)", async () => {
    // GitHub's documented answer to a rate-limited request: 429, Retry-After in seconds, a JSON message.
    const rateLimited: Handler = (_req, res) =>
      json(res, 429, { message: 'API rate limit exceeded for installation ID 1.' }, { 'retry-after': '3600' });
    await withLocalServer(rateLimited, { callDeadlineMs: 5000 }, async (rated, limited) => {
      const t0 = Date.now();
      const error = (await rated.list('production').catch((e: unknown) => e)) as Error;
      expect(Date.now() - t0).toBeLessThan(4000);
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toMatch(
        /^GitHub API: could not list deployments of production: 429 API rate limit exceeded for installation ID 1\.; not retried: the server asked to retry after 60m, longer than the \d(\.\d)?s left before the deadline$/,
      );
      expect(limited.requests).toHaveLength(1);
    });
  });

  it('bounds every call by its overall deadline, and says what it was doing', async () => {
    await withLocalServer(
      () => undefined,
      { timeoutMs: 400, callDeadlineMs: 1000 },
      async (stuck) => {
        const t0 = Date.now();
        const error = (await stuck.statuses(7).catch((e: unknown) => e)) as Error;
        expect(Date.now() - t0).toBeLessThan(3000);
        expect(error).toBeInstanceOf(UserError);
        expect(error.message).toMatch(
          /^GitHub API: could not list statuses of deployment 7: (deadline reached|timed out)/,
        );
      },
    );
  });

  it('treats environments starting with prod as production', () => {
    expect(isProductionEnvironment('production')).toBe(true);
    expect(isProductionEnvironment('prod-eu')).toBe(true);
    expect(isProductionEnvironment('staging')).toBe(false);
  });

  it('retries a 503 on create (an outage, not a refusal), then records the deployment once GitHub answers', async () => {
    const flaky = await startGitHubDouble({ token: 't0k', repository: 'acme/shop', outage: { failures: 2 } });
    try {
      const lines: string[] = [];
      const retrying = new DeploymentsClient({
        token: 't0k',
        apiUrl: flaky.url,
        repository: 'acme/shop',
        log: (l) => lines.push(l),
      });
      const d = await retrying.create({
        ref: 'abc',
        environment: 'staging',
        payload: { image: 'a', provider: 'docker', version: 'a' },
      });
      expect(flaky.events).toEqual([
        '503 POST /repos/acme/shop/deployments',
        '503 POST /repos/acme/shop/deployments',
        `deployment ${d.id}`,
      ]);
      expect(lines).toEqual([
        expect.stringMatching(/^GitHub API POST \/repos\/acme\/shop\/deployments: status 503, retry 1\/5 in \d+ms$/),
        expect.stringMatching(/retry 2\/5/),
      ]);
      expect(flaky.problems).toEqual([]);
    } finally {
      await flaky.close();
    }
  });

  it('says an outage is one (GitHubApiError.outage) and a refusal is not', async () => {
    const down = await startGitHubDouble({ token: 't0k', repository: 'acme/shop', outage: { failures: Infinity } });
    try {
      const client = new DeploymentsClient({ token: 't0k', apiUrl: down.url, repository: 'acme/shop', retries: 1 });
      const outage = await client.list('staging').catch((e: unknown) => e);
      expect(isOutage(outage)).toBe(true);
      expect((outage as Error).message).toBe(
        'GitHub API: could not list deployments of staging: 503 Service Unavailable',
      );
    } finally {
      await down.close();
    }
    const refused = await new DeploymentsClient({ token: 'wrong', apiUrl: github.url, repository: 'acme/shop' })
      .list('staging')
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GitHubApiError);
    expect(isOutage(refused)).toBe(false);
    // The wrong token on purpose: that one problem, and no other.
    expect(github.problems.splice(0)).toEqual(['GET /repos/acme/shop/deployments: bad Authorization header']);
  });

  it('never sends the token to another origin: a redirect there is not followed (Octokit over shared/http.ts)', async () => {
    const elsewhere = await startServer((_req, res) => json(res, 200, []));
    const redirect: Handler = (_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/repos/acme/shop/deployments` });
      res.end();
    };
    try {
      await withLocalServer(redirect, {}, async (client) => {
        const error = (await client.list('staging').catch((e: unknown) => e)) as Error;
        expect(error.message).toMatch(
          /^GitHub API: could not list deployments of staging: redirected to http:\/\/127\.0\.0\.1:\d+\/… \(status 302\), another origin: not followed/,
        );
        expect(elsewhere.requests).toEqual([]);
      });
    } finally {
      await elsewhere.close();
    }
  });

  it('refuses an answer over 1 MiB without reading the rest', async () => {
    const huge: Handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`[${'"x",'.repeat(300_000)}"x"]`);
    };
    await withLocalServer(huge, {}, async (client) => {
      await expect(client.list('staging')).rejects.toThrow(
        'GitHub API: could not list deployments of staging: the answer is larger than 1 MiB',
      );
    });
  });
});
