/**
 * Removing an environment from a cluster: every object of the namespace
 * labelled `deploy-actions.dev/environment=<environment>` (and
 * `deploy-actions.dev/service=<service>`), as a preview's manifests label
 * them; PersistentVolumeClaims only when volumes are to go.
 */
import { UserError } from '../../errors.js';
import type { TeardownRequest, TeardownResult } from '../types.js';
import type { Cluster } from './cluster.js';
import { kubectlError } from './kubectl.js';

export const TEARDOWN_LABELS = {
  environment: 'deploy-actions.dev/environment',
  service: 'deploy-actions.dev/service',
} as const;

const KINDS = ['deployments', 'statefulsets', 'daemonsets', 'cronjobs', 'jobs', 'services', 'configmaps'];

export function teardownSelector(req: TeardownRequest): string {
  return `${TEARDOWN_LABELS.environment}=${req.environment},${TEARDOWN_LABELS.service}=${req.service}`;
}

export async function teardownKubernetes(cluster: Cluster, req: TeardownRequest): Promise<TeardownResult> {
  const selector = teardownSelector(req);
  const kinds = [...KINDS, ...(req.removeVolumes ? ['persistentvolumeclaims'] : [])].join(',');
  const what = `delete the objects labelled ${selector}`;
  const result = await cluster.kubectl.run(
    ['delete', kinds, '-l', selector, '--ignore-not-found', '--wait=false', '-o', 'name'],
    what,
  );
  if (result.code !== 0)
    throw new UserError(
      `Could not ${what} (${cluster.where()}): ${kubectlError(result.stderr) || 'kubectl gave no reason'}`,
    );
  const removed = result.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return {
    removed,
    targets: 1,
    details: [[cluster.where(), removed.length ? removed.join(', ') : `nothing labelled ${selector}`]],
  };
}
