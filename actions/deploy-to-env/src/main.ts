import * as core from '@actions/core';
import { CancelledError } from '../../../shared/cancel.js';
import { deployPost } from '../../../shared/deploy/post.js';
import { runContext, type RunContext } from '../../../shared/context.js';
import type { DeployConfig } from '../../../shared/deploy/inputs.js';
import { ReleaseStage } from '../../../shared/deploy/release.js';
import { formatDuration } from '../../../shared/duration.js';
import { errorMessage } from '../../../shared/errors.js';
import { info } from '../../../shared/log.js';
import { checkStrategy, withProvider } from '../../../shared/providers/config.js';
import type { DeployResult, Provider } from '../../../shared/providers/types.js';
import { run } from '../../../shared/run.js';
import { table, writeSummary } from '../../../shared/summary.js';
import { readConfig } from './config.js';

async function main(): Promise<void> {
  const { config, settings, module } = readConfig();
  const ctx = runContext();
  checkStrategy(module, config.strategy);
  await withProvider(module, settings, ctx.runnerTemp, (provider) => deploy(config, provider, ctx));
}

async function deploy(config: DeployConfig, provider: Provider, ctx: RunContext): Promise<void> {
  const service = config.service || ctx.repo;
  const started = Date.now();
  info(`Deploying ${config.image} to ${config.environment} (${service}, ${provider.name}, ${config.strategy})`);

  const stage = new ReleaseStage(provider, config, { service, environment: config.environment }, ctx);
  const deployment = await stage.open();
  if (deployment) core.setOutput('deployment-id', String(deployment.id));

  let result: DeployResult;
  try {
    result = await stage.deploy();
  } catch (error) {
    await stage.settle(errorMessage(error));
    // A failed deploy leaves the live release serving: it is still the previous version (not read after a cancel).
    const live = error instanceof CancelledError ? undefined : await stage.liveBefore();
    core.setOutput('previous-version', live?.version ?? '');
    await writeSummary(
      `## ❌ Deploy to ${config.environment} failed`,
      table(
        ['', ''],
        [
          ['Image', `\`${config.image}\``],
          ['Service', service],
          ['Reason', errorMessage(error)],
          ['Still live', live ? `\`${live.version}\`` : 'nothing'],
          ['GitHub Deployment', deployment ? `${deployment.id} (failure)` : recordCell(stage)],
        ],
      ),
    );
    throw error;
  }
  await stage.settle();

  core.setOutput('version', result.current.version);
  core.setOutput('previous-version', result.previous?.version ?? '');
  core.setOutput('environment-url', stage.environmentUrl ?? '');
  core.setOutput('hosts', String(result.targets));
  await writeSummary(
    `## 🚀 Deployed to ${config.environment}`,
    table(
      ['', ''],
      [
        ['Version', `\`${result.current.version}\``],
        ['Previous', result.previous ? `\`${result.previous.version}\` (kept for rollback)` : 'none (first release)'],
        ['Service', service],
        ['Provider / strategy', `${provider.name} / ${config.strategy}`],
        ['Hosts', String(result.targets)],
        ['Environment URL', stage.environmentUrl ?? '–'],
        ['GitHub Deployment', deployment ? String(deployment.id) : recordCell(stage)],
        ['Duration', formatDuration(Date.now() - started)],
      ],
    ),
    result.details.length ? table(['Host', 'What happened'], result.details) : undefined,
  );
  info(
    `${result.current.version} is live on ${config.environment} (${result.targets} host${result.targets === 1 ? '' : 's'})`,
  );
}

/** The summary's GitHub Deployment cell when there is none: why, when one was asked for. */
const recordCell = (stage: ReleaseStage) => (stage.missing ? `missing: ${stage.missing}` : '–');

await run(main, deployPost, { cancellable: true });
