import * as core from '@actions/core';
import { runContext } from '../../../shared/context.js';
import { UserError } from '../../../shared/errors.js';
import { info } from '../../../shared/log.js';
import { run } from '../../../shared/run.js';
import { buildMessage, defaultTitle, STATUS_STYLE } from '../../../shared/slack/message.js';
import { slackSummary } from '../../../shared/slack/report.js';
import { describeDestination, sendSlack, type SlackDestination } from '../../../shared/slack/send.js';
import { writeSummary } from '../../../shared/summary.js';
import { readConfig, type Config } from './config.js';

/** Inputs that shape the default message, so they mean nothing next to `payload`. */
const MESSAGE_INPUTS = ['title', 'message', 'environment', 'version', 'environment-url', 'mention'] as const;

function destination(config: Config): SlackDestination {
  if (config['webhook-url']) return { webhookUrl: config['webhook-url'] };
  return {
    token: config.token!,
    channel: config.channel!,
    apiUrl: config['slack-api-url'],
    updateTs: config['update-ts'],
    threadTs: config['thread-ts'],
  };
}

async function main(): Promise<void> {
  const config = readConfig();
  const to = destination(config);
  const where = describeDestination(to);
  const context = runContext();
  let message: object;
  let headline: string;
  if (config.payload) {
    const ignored = [
      ...MESSAGE_INPUTS.filter((name) => config[name] !== undefined),
      ...(config.fields.length ? ['fields'] : []),
    ];
    if (ignored.length) core.warning(`"payload" is sent as given, so these inputs are ignored: ${ignored.join(', ')}`);
    message = config.payload;
    headline =
      typeof config.payload.text === 'string' && config.payload.text
        ? config.payload.text.split('\n')[0]
        : 'custom payload';
  } else {
    message = buildMessage(
      {
        status: config.status,
        title: config.title,
        message: config.message,
        environment: config.environment,
        environmentUrl: config['environment-url'],
        version: config.version,
        fields: config.fields,
        mention: config.mention,
      },
      context,
    );
    headline = config.title ?? defaultTitle(config.status, config.environment, context);
  }

  const verb =
    'token' in to && to.updateTs
      ? `Updating message ${to.updateTs} in`
      : 'token' in to && to.threadTs
        ? `Replying in thread ${to.threadTs} of`
        : 'Posting to';
  info(`${verb} ${where}: ${headline}`);
  const result = await sendSlack({ destination: to, message, log: info });
  for (const cut of result.cuts) (config.payload ? core.warning : info)(`Cut to fit Slack's limits: ${cut}`);

  core.setOutput('ok', String(result.ok));
  core.setOutput('ts', result.ts ?? '');
  core.setOutput('channel', result.channel ?? '');
  core.setOutput('thread-ts', result.threadTs ?? '');
  await writeSummary(
    `## Slack notification: ${STATUS_STYLE[config.status].label}`,
    slackSummary(where, headline, result),
  );

  if (result.ok) {
    info(
      `Slack message ${result.action}${result.ts ? ` (channel ${result.channel}, ts ${result.ts})` : ''} after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}`,
    );
    return;
  }
  if (config['fail-on-error']) throw new UserError(result.error);
  core.warning(`${result.error}. The step still succeeds because fail-on-error is false.`);
}

await run(main);
