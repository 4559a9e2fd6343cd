import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeploymentsClient, isProductionEnvironment } from '../../shared/github/deployments.js';
import { UserError } from '../../shared/errors.js';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';
import { json, startServer } from '../harness/server.js';

describe('GitHub Deployments client (against the GitHub REST test double)', () => {
  let github: GitHubDouble;
  let client: DeploymentsClient;
  beforeAll(async () => {
    github = await startGitHubDouble({ token: 't0k', repository: 'acme/shop' });
    client = new DeploymentsClient({ token: 't0k', apiUrl: `${github.url}/`, repository: 'acme/shop' });
  });
  afterAll(() => github.close());

  const deploy = async (image: string, state: 'success' | 'failure') => {
    const d = await client.create({ ref: 'abc', environment: 'production', payload: { image, provider: 'command', version: image } });
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
    await expect(bad.create({ ref: 'abc', environment: 'production', payload: { image: 'a', provider: 'docker', version: 'a' } })).rejects.toThrow(/401 Bad credentials/);
  });

  it('never sleeps a Retry-After past the call\'s deadline (a local server answering as GitHub does when rate-limited)', async () => {
    // GitHub's documented answer to a rate-limited request: 429, Retry-After in seconds, a JSON message.
    const limited = await startServer((_req, res) => json(res, 429, { message: 'API rate limit exceeded for installation ID 1.' }, { 'retry-after': '3600' }));
    try {
      const rated = new DeploymentsClient({ token: 't0k', apiUrl: limited.url, repository: 'acme/shop', callDeadlineMs: 5000 });
      const t0 = Date.now();
      const error = (await rated.list('production').catch((e: unknown) => e)) as Error;
      expect(Date.now() - t0).toBeLessThan(4000);
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toMatch(
        /^GitHub API: could not list deployments of production: 429 API rate limit exceeded for installation ID 1\.; not retried: the server asked to retry after 60m, longer than the \d(\.\d)?s left before the deadline$/,
      );
      expect(limited.requests).toHaveLength(1);
    } finally {
      await limited.close();
    }
  });

  it('bounds every call by its overall deadline, and says what it was doing', async () => {
    const silent = await startServer(() => undefined);
    try {
      const stuck = new DeploymentsClient({ token: 't0k', apiUrl: silent.url, repository: 'acme/shop', timeoutMs: 400, callDeadlineMs: 1000 });
      const t0 = Date.now();
      const error = (await stuck.statuses(7).catch((e: unknown) => e)) as Error;
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toMatch(/^GitHub API: could not list statuses of deployment 7: (deadline reached|timed out)/);
    } finally {
      await silent.close();
    }
  });

  it('treats environments starting with prod as production', () => {
    expect(isProductionEnvironment('production')).toBe(true);
    expect(isProductionEnvironment('prod-eu')).toBe(true);
    expect(isProductionEnvironment('staging')).toBe(false);
  });
});
