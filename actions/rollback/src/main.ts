import * as core from '@actions/core';
import { runContext, type RunContext } from '../../../shared/context.js';
import { preRollbackHook } from '../../../shared/deploy/hooks.js';
import { recordRollback, rollbackRequest } from '../../../shared/deploy/rollback.js';
import { UserError } from '../../../shared/errors.js';
import { lastRecordedRelease } from '../../../shared/github/history.js';
import { deploymentRecord } from '../../../shared/github/record.js';
import { info } from '../../../shared/log.js';
import { providerPost, withProvider } from '../../../shared/providers/config.js';
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

  const record = deploymentRecord(ctx, { token: config['github-token'], environment: config.environment, environmentUrl: config['environment-url'] });

  let to = config.to;
  let live: Release | undefined;
  if (!provider.keepsHistory) {
    // The provider keeps no history: GitHub's last successful deployment is what is live, the one before it what to return to.
    if (!to && !record) throw new UserError(`The ${provider.name} provider keeps no release history: set "to", or "github-token" to find the last successful deployment of ${config.environment}.`);
    live = (await provider.current(target)) ?? (record && (await lastRecordedRelease(record.client, config.environment)));
    if (!to && record) {
      const last = await record.client.lastSuccessful(config.environment, live?.image);
      if (!last?.payload.image) throw new UserError(`No earlier successful GitHub Deployment of ${config.environment} to roll back to; nothing was changed.`);
      to = last.payload.image;
      info(`Last successful deployment of ${config.environment} before ${live?.version ?? 'now'}: ${last.id} (${to})`);
    }
  }

  info(`Rolling back ${service} on ${config.environment} to ${to ?? 'the previous release'}${config.reason ? ` (reason: ${config.reason})` : ''}`);
  const beforeRestore = preRollbackHook({ ...config, service }, ctx.workspace);
  const result = await provider.rollback(rollbackRequest(config, target, ctx, { to, reason: config.reason, live, beforeRestore }));
  if (record) {
    const description = `Rollback to ${result.to.version}${config.reason ? `: ${config.reason}` : ''}`;
    const deployment = await recordRollback(record, result, ctx.sha, { provider: provider.name, service, from: result.from?.version ?? null, description, ok: true });
    core.setOutput('deployment-id', String(deployment.id));
  }

  core.setOutput('rolled-back-from', result.from?.version ?? '');
  core.setOutput('rolled-back-to', result.to.version);
  await writeSummary(
    `## ⏪ Rolled back ${config.environment}`,
    table(['', ''], [
      ['From (now failed)', result.from ? `\`${result.from.version}\`` : 'nothing was live'],
      ['To (live)', `\`${result.to.version}\` (deployed ${result.to.time} by ${result.to.runUrl || 'an unknown run'})`],
      ['Reason', config.reason ?? '–'],
      ['Service', service],
      ['Hosts', String(result.targets)],
      ['GitHub Deployment', record?.deployment ? String(record.deployment.id) : '–'],
    ]),
    result.details.length ? table(['Host', 'What happened'], result.details) : undefined,
  );
  info(`${result.to.version} is live again on ${config.environment}${result.from ? `; ${result.from.version} is marked failed` : ''}`);
}

await run(main, providerPost);
