import * as core from '@actions/core';
import { runContext, type RunContext } from '../../../shared/context.js';
import { formatDuration } from '../../../shared/duration.js';
import { errorMessage } from '../../../shared/errors.js';
import { deploymentRecord } from '../../../shared/github/record.js';
import { info } from '../../../shared/log.js';
import { lastRecordedRelease } from '../../../shared/github/history.js';
import { checkStrategy, deployRequest, providerPost, withProvider } from '../../../shared/providers/config.js';
import type { DeployResult, Provider } from '../../../shared/providers/types.js';
import { run } from '../../../shared/run.js';
import { table, writeSummary } from '../../../shared/summary.js';
import { readConfig, type Config } from './config.js';

async function main(): Promise<void> {
  const { config, settings, module } = readConfig();
  const ctx = runContext();
  checkStrategy(module, config.strategy);
  await withProvider(module, settings, ctx.runnerTemp, (provider) => deploy(config, provider, ctx));
}

async function deploy(config: Config, provider: Provider, ctx: RunContext): Promise<void> {
  const service = config.service || ctx.repo;
  const started = Date.now();
  info(`Deploying ${config.image} to ${config.environment} (${service}, ${provider.name}, ${config.strategy})`);

  const record = deploymentRecord(ctx, { token: config['github-token'], environment: config.environment, environmentUrl: config['environment-url'] });
  // A provider without its own history learns what is live from GitHub, before this deploy is recorded.
  const live = record && !provider.keepsHistory ? await lastRecordedRelease(record.client, config.environment) : undefined;
  if (record) {
    const deployment = await record.start(ctx.sha || ctx.ref, { image: config.image, provider: provider.name, version: config.image, service }, `Deploy ${config.image}`);
    core.setOutput('deployment-id', String(deployment.id));
  }

  let result: DeployResult;
  try {
    result = await provider.deploy(deployRequest(config, { service, environment: config.environment }, ctx, live));
  } catch (error) {
    await record?.fail(errorMessage(error).split('\n')[0]!);
    await writeSummary(
      `## ❌ Deploy to ${config.environment} failed`,
      table(['', ''], [
        ['Image', `\`${config.image}\``],
        ['Service', service],
        ['Reason', errorMessage(error)],
        ['GitHub Deployment', record?.deployment ? `${record.deployment.id} (failure)` : '–'],
      ]),
    );
    throw error;
  }
  await record?.succeed(`Deployed ${result.current.version}`);

  core.setOutput('version', result.current.version);
  core.setOutput('previous-version', result.previous?.version ?? '');
  core.setOutput('environment-url', config['environment-url'] ?? '');
  core.setOutput('hosts', String(result.targets));
  await writeSummary(
    `## 🚀 Deployed to ${config.environment}`,
    table(['', ''], [
      ['Version', `\`${result.current.version}\``],
      ['Previous', result.previous ? `\`${result.previous.version}\` (kept for rollback)` : 'none (first release)'],
      ['Service', service],
      ['Provider / strategy', `${provider.name} / ${config.strategy}`],
      ['Hosts', String(result.targets)],
      ['Environment URL', config['environment-url'] ?? '–'],
      ['GitHub Deployment', record?.deployment ? String(record.deployment.id) : '–'],
      ['Duration', formatDuration(Date.now() - started)],
    ]),
    result.details.length ? table(['Host', 'What happened'], result.details) : undefined,
  );
  info(`${result.current.version} is live on ${config.environment} (${result.targets} host${result.targets === 1 ? '' : 's'})`);
}

await run(main, providerPost);
