import { z } from 'zod';
import { runContext } from '../../../shared/context.js';
import { deployInputs } from '../../../shared/deploy/inputs.js';
import { InputError } from '../../../shared/errors.js';
import { gateInputs, gateValues, type GateValues } from '../../../shared/health/inputs.js';
import { metricInputProblems } from '../../../shared/health/metric-inputs.js';
import { boolean, duration, httpUrl, optionalHttpUrl } from '../../../shared/inputs.js';
import { bashScript } from '../../../shared/providers/command/script.js';
import { parseWithProvider } from '../../../shared/providers/config.js';
import { slackChannel, slackMention, slackToken } from '../../../shared/slack/inputs.js';
import type { SlackDestination } from '../../../shared/slack/send.js';
import { hasSmokeChecks, smokeInputs, smokeValues, type SmokeValues } from '../../../shared/smoke/inputs.js';

/**
 * The one-step deploy takes deploy-to-env's inputs as they are, the smoke
 * test's with a `smoke-` prefix and the health gate's with a `health-` prefix
 * (same parsing, same messages), and its own.
 */
const schema = deployInputs.extend({
  ...smokeInputs('smoke-'),
  // Here the base URL of the smoke test and of the health gate.
  'environment-url': optionalHttpUrl({ credentials: 'send credentials in "smoke-headers" and "health-headers"' }),
  'health-url': optionalHttpUrl({ credentials: 'send credentials in "health-headers"' }),
  ...gateInputs('health-'),
  'auto-rollback': boolean(),
  'pre-deploy-command': bashScript(),
  'post-deploy-command': bashScript(),
  'pre-rollback-command': bashScript(),
  'hooks-timeout': duration({ min: 1000 }),
  'slack-webhook-url': optionalHttpUrl({ credentials: 'a webhook URL carries its secret in its path' }),
  'slack-token': slackToken(),
  'slack-channel': slackChannel(),
  'slack-mention': slackMention(),
  'slack-api-url': httpUrl({ credentials: 'the Web API takes "slack-token" as its credential' }),
});

export type Config = z.output<typeof schema> & {
  service: string;
  smoke: SmokeValues;
  /** The gate's rules; $ENVIRONMENT and $SERVICE default to what is deployed, $VERSION to the version deployed. */
  gate: GateValues;
  /** What the gate probes: `health-url`, else `readiness-path` on `environment-url`. */
  healthUrl?: string;
  slack?: SlackDestination;
};

export function readConfig() {
  const { config, settings, module } = parseWithProvider(
    schema,
    ['github-token', 'slack-webhook-url', 'slack-token', 'health-prometheus-headers'],
    'deploy',
  );
  const service = config.service || runContext().repo;
  const smoke = smokeValues(config, 'smoke-');
  const gate = gateValues(config, 'health-');
  gate.environment ??= config.environment;
  gate.service ??= service;
  const envUrl = config['environment-url'];
  const healthUrl =
    config['health-url'] ?? (envUrl ? new URL(config['readiness-path'] || '/', envUrl).href : undefined);
  const problems = crossInputProblems(config, smoke, gate);
  if (problems.length) throw new InputError(problems);
  const slack: SlackDestination | undefined = config['slack-webhook-url']
    ? { webhookUrl: config['slack-webhook-url'] }
    : config['slack-token']
      ? { token: config['slack-token'], channel: config['slack-channel']!, apiUrl: config['slack-api-url'] }
      : undefined;
  return { config: { ...config, service, smoke, gate, healthUrl, slack } as Config, settings, module };
}

/** Checks across inputs, after each one parsed on its own. */
function crossInputProblems(config: z.output<typeof schema>, smoke: SmokeValues, gate: GateValues): string[] {
  const problems: string[] = [];
  if (config['slack-webhook-url'] && config['slack-token'])
    problems.push(
      '"slack-token": expected one Slack destination, "slack-webhook-url" or "slack-token" with "slack-channel", not both',
    );
  // The command provider's deploy-command may report the URL through $DEPLOY_OUTPUT.
  if (hasSmokeChecks(smoke) && !config['environment-url'] && config.provider !== 'command')
    problems.push('"environment-url": expected the environment\'s URL, the base URL of the smoke test, got nothing');
  if (config['slack-token'] && !config['slack-channel'])
    problems.push('"slack-channel": expected a channel ID (C0123ABCD) or name, needed with "slack-token", got nothing');
  if (gate.metrics.length && !config['health-url'] && !config['environment-url'])
    problems.push(
      '"health-url": expected the URL the health gate probes (or "environment-url"), since "health-metrics" are set, got nothing',
    );
  // The version is known once deployed; the image stands in for the check.
  for (const { input, expected } of metricInputProblems({ ...gate, version: gate.version ?? config.image }))
    problems.push(`"health-${input}": expected ${expected}`);
  return problems;
}
