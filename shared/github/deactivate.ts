import type { DeploymentsClient } from './deployments.js';

/**
 * Mark every GitHub Deployment of an environment that is not inactive yet
 * inactive (the environment is gone: a closed pull request's preview), so
 * GitHub shows no live URL for it. Returns the ids changed.
 */
export async function deactivateEnvironment(
  client: DeploymentsClient,
  environment: string,
  description: string,
): Promise<number[]> {
  const done: number[] = [];
  for (const deployment of await client.list(environment, 100)) {
    const [latest] = await client.statuses(deployment.id);
    if (latest?.state === 'inactive') continue;
    await client.setStatus(deployment.id, { state: 'inactive', description });
    done.push(deployment.id);
  }
  return done;
}
