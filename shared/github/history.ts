import type { Deployment, DeploymentsClient } from './deployments.js';
import type { Release } from '../providers/types.js';

/** A successful GitHub Deployment as a release (what providers without their own history know). */
export function releaseOfDeployment(deployment: Deployment): Release | undefined {
  const image = deployment.payload?.image;
  if (!image) return undefined;
  const runUrl = typeof deployment.payload.runUrl === 'string' ? deployment.payload.runUrl : '';
  return {
    image,
    version: deployment.payload.version || image,
    time: deployment.created_at,
    commit: deployment.sha,
    runUrl,
    status: 'live',
  };
}

/** The release GitHub last recorded as successfully deployed to `environment` (skipping `excludeImage`). */
export async function lastRecordedRelease(
  client: DeploymentsClient,
  environment: string,
  excludeImage?: string,
): Promise<Release | undefined> {
  const deployment = await client.lastSuccessful(environment, excludeImage);
  return deployment ? releaseOfDeployment(deployment) : undefined;
}
