import * as core from '@actions/core';
import { deployPost } from '../../../shared/deploy/post.js';
import { runContext, type RunContext } from '../../../shared/context.js';
import { preRollbackHook } from '../../../shared/deploy/hooks.js';
import { recordManualRollback, rollbackRequest, rollbackTarget } from '../../../shared/deploy/rollback.js';
import { deploymentRecord } from '../../../shared/github/record.js';
import { info } from '../../../shared/log.js';
import { withProvider } from '../../../shared/providers/config.js';
import type { Provider } from '../../../shared/providers/types.js';
import { run } from '../../../shared/run.js';
import { table, writeSummary } from '../../../shared/summary.js';
import { readConfig, type Config } from './config.js';

async function main(): Promise<void> {
  const { config, settings, module } = readConfig();
  const ctx = runContext();
  await withProvider(module, settings, ctx.runnerTemp, (provider) => rollBack(config, provider, ctx));
}

async function rollBack(config: Config, provider: Provider, ctx: RunContext): Promise<void> {
  const service = config.service || ctx.repo;
  const target = { service, environment: config.environment };

  const record = deploymentRecord(ctx, {
    token: config['github-token'],
    environment: config.environment,
    environmentUrl: config['environment-url'],
  });

  const { to, live } = await rollbackTarget(provider, record, target, config.to);

  info(
    `Rolling back ${service} on ${config.environment} to ${to ?? 'the previous release'}${config.reason ? ` (reason: ${config.reason})` : ''}`,
  );
  const beforeRestore = preRollbackHook({ ...config, service }, ctx.workspace);
  const result = await provider.rollback(
    rollbackRequest(config, target, ctx, { to, reason: config.reason, live, beforeRestore }),
  );
  const recorded = record
    ? await recordManualRollback(record, provider, result, ctx.sha, {
        service,
        from: result.from?.version ?? null,
        description: `Rollback to ${result.to.version}${config.reason ? `: ${config.reason}` : ''}`,
      })
    : {};
  if (recorded.deployment) core.setOutput('deployment-id', String(recorded.deployment.id));

  core.setOutput('rolled-back-from', result.from?.version ?? '');
  core.setOutput('rolled-back-to', result.to.version);
  await writeSummary(
    `## ⏪ Rolled back ${config.environment}`,
    table(
      ['', ''],
      [
        ['From (now failed)', result.from ? `\`${result.from.version}\`` : 'nothing was live'],
        [
          'To (live)',
          `\`${result.to.version}\` (deployed ${result.to.time} by ${result.to.runUrl || 'an unknown run'})`,
        ],
        ['Reason', config.reason ?? '–'],
        ['Environment URL', config['environment-url'] || '–'],
        ['Service', service],
        ['Hosts', String(result.targets)],
        [
          'GitHub Deployment',
          recorded.deployment
            ? String(recorded.deployment.id)
            : recorded.missing
              ? `missing: ${recorded.missing}`
              : '–',
        ],
      ],
    ),
    result.details.length ? table(['Host', 'What happened'], result.details) : undefined,
  );
  info(
    `${result.to.version} is live again on ${config.environment}${result.from ? `; ${result.from.version} is marked failed` : ''}`,
  );
}

await run(main, deployPost, { cancellable: true });
