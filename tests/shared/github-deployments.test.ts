import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeploymentsClient, isProductionEnvironment } from '../../shared/github/deployments.js';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';

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
    expect(inactive).toEqual([github.deployments[0]!.id]);
    expect(github.events.at(-1)).toBe(`status ${github.deployments[0]!.id} inactive`);
  });

  it('explains a refused token instead of failing obscurely', async () => {
    const bad = new DeploymentsClient({ token: 'wrong', apiUrl: github.url, repository: 'acme/shop' });
    await expect(bad.create({ ref: 'abc', environment: 'production', payload: { image: 'a', provider: 'docker', version: 'a' } })).rejects.toThrow(/401 Bad credentials/);
  });

  it('treats environments starting with prod as production', () => {
    expect(isProductionEnvironment('production')).toBe(true);
    expect(isProductionEnvironment('prod-eu')).toBe(true);
    expect(isProductionEnvironment('staging')).toBe(false);
  });
});
