import * as core from '@actions/core';
import { deployPost } from '../../../shared/deploy/post.js';
import { runContext, type RunContext } from '../../../shared/context.js';
import { preRollbackHook } from '../../../shared/deploy/hooks.js';
import { recordRollback, rollbackRequest } from '../../../shared/deploy/rollback.js';
import { UserError, errorMessage } from '../../../shared/errors.js';
import { lastRecordedRelease } from '../../../shared/github/history.js';
import { isOutage } from '../../../shared/github/octokit.js';
import { deploymentRecord } from '../../../shared/github/record.js';
import { info } from '../../../shared/log.js';
import { withProvider } from '../../../shared/providers/config.js';
import type { Provider, Release } from '../../../shared/providers/types.js';
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

  let to = config.to;
  let live: Release | undefined;
  if (!provider.keepsHistory) {
    // The provider keeps no history: GitHub's last successful deployment is what is live, the one before it what to return to.
    if (!to && !record)
      throw new UserError(
        `The ${provider.name} provider keeps no release history: set "to", or "github-token" to find the last successful deployment of ${config.environment}.`,
      );
    live =
      (await provider.current(target)) ?? (record && (await lastRecordedRelease(record.client, config.environment)));
    if (!to && record) {
      const last = await record.client.lastSuccessful(config.environment, live?.image);
      if (!last?.payload.image)
        throw new UserError(
          `No earlier successful GitHub Deployment of ${config.environment} to roll back to; nothing was changed.`,
        );
      to = last.payload.image;
      info(`Last successful deployment of ${config.environment} before ${live?.version ?? 'now'}: ${last.id} (${to})`);
    }
  }

  info(
    `Rolling back ${service} on ${config.environment} to ${to ?? 'the previous release'}${config.reason ? ` (reason: ${config.reason})` : ''}`,
  );
  const beforeRestore = preRollbackHook({ ...config, service }, ctx.workspace);
  const result = await provider.rollback(
    rollbackRequest(config, target, ctx, { to, reason: config.reason, live, beforeRestore }),
  );
  let missing: string | undefined;
  if (record) {
    const description = `Rollback to ${result.to.version}${config.reason ? `: ${config.reason}` : ''}`;
    const from = result.from?.version ?? null;
    try {
      const deployment = await recordRollback(record, result, ctx.sha, {
        provider: provider.name,
        service,
        from,
        description,
        ok: true,
      });
      core.setOutput('deployment-id', String(deployment.id));
    } catch (error) {
      // Already rolled back: only a provider whose history is GitHub's needs the record to know what is live.
      if (!isOutage(error) || !provider.keepsHistory)
        throw new UserError(`${result.to.version} is live again, but ${errorMessage(error)}`);
      missing = errorMessage(error);
      const why = `the ${provider.name} provider keeps its own history`;
      core.warning(`The GitHub Deployment of this rollback is missing (${missing}); ${why}`);
    }
  }

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
          record?.deployment ? String(record.deployment.id) : missing ? `missing: ${missing}` : '–',
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
