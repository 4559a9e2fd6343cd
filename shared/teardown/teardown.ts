/**
 * The teardown action's work: the provider removes the environment, then its
 * GitHub Deployments become inactive, and the summary says what went.
 */
import * as core from '@actions/core';
import type { RunContext } from '../context.js';
import { errorMessage } from '../errors.js';
import { DeploymentsClient } from '../github/deployments.js';
import { deactivateEnvironment } from '../github/deactivate.js';
import { info } from '../log.js';
import type { Provider } from '../providers/types.js';
import { table, writeSummary } from '../summary.js';

/**
 * Provider inputs only deploys use whose empty value does not parse: teardown does not declare them, so they are left
 * out.
 */
export const TEARDOWN_UNUSED = ['proxy-image', 'rollout-timeout'];

export interface TeardownOptions {
  environment: string;
  service: string;
  removeVolumes: boolean;
  token?: string;
}

export async function tearDown(options: TeardownOptions, provider: Provider, ctx: RunContext): Promise<void> {
  const { environment, service } = options;
  info(`Tearing down ${service} on ${environment} (${provider.name}${options.removeVolumes ? ', volumes too' : ''})`);
  const result = await provider.teardown({ service, environment, removeVolumes: options.removeVolumes });
  for (const line of result.removed) info(`removed ${line}`);

  let inactive: number[] = [];
  let github = options.token ? '' : 'not recorded (no github-token)';
  if (options.token) {
    const client = new DeploymentsClient({
      token: options.token,
      apiUrl: ctx.apiUrl,
      repository: ctx.repository,
      log: info,
    });
    try {
      inactive = await deactivateEnvironment(client, environment, `${environment} was torn down`);
      github = inactive.length ? `${inactive.join(', ')} now inactive` : 'none was active';
      info(`GitHub Deployments of ${environment}: ${github}`);
    } catch (error) {
      // The environment is gone either way; stale bookkeeping is worth a warning, not a failed step.
      github = `could not mark inactive: ${errorMessage(error)}`;
      core.warning(`GitHub Deployments of ${environment} ${github}`);
    }
  }

  core.setOutput('removed', String(result.removed.length));
  core.setOutput('deactivated', inactive.join(','));
  await writeSummary(
    `## 🧹 Tore down ${environment}`,
    table(
      ['', ''],
      [
        ['Service', service],
        ['Provider', provider.name],
        ['Removed', result.removed.length ? String(result.removed.length) : 'nothing was there'],
        ['Volumes', options.removeVolumes ? 'removed' : 'kept'],
        ['GitHub Deployments', github],
      ],
    ),
    result.details.length ? table(['Where', 'What was removed'], result.details) : undefined,
  );
}
