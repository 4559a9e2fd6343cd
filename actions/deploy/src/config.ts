import { z } from 'zod';
import { runContext } from '../../../shared/context.js';
import { InputError } from '../../../shared/errors.js';
import { metricInputProblems, metricInputs, metricValues, type MetricInputValues } from '../../../shared/health/metric-inputs.js';
import { boolean, duration, httpUrl, optionalHttpUrl } from '../../../shared/inputs.js';
import { bashScript } from '../../../shared/providers/command/script.js';
import { parseWithProvider } from '../../../shared/providers/config.js';
import { slackChannel, slackMention, slackToken } from '../../../shared/slack/inputs.js';
import type { SlackDestination } from '../../../shared/slack/send.js';
import { common as deployInputs } from '../../deploy-to-env/src/config.js';
import { schema as gateInputs } from '../../health-gate/src/config.js';
import { schema as smokeInputs } from '../../smoke-test/src/config.js';

/**
 * The one-step deploy takes deploy-to-env's inputs as they are, the smoke
 * test's with a `smoke-` prefix and the health gate's with a `health-` prefix
 * (same parsing, same messages), and its own.
 */
const gate = gateInputs.shape;
const smoke = smokeInputs.shape;
const metric = metricInputs();
const own = {
  'smoke-checks': smoke.checks,
  'smoke-checks-file': smoke['checks-file'],
  'smoke-paths': smoke.paths,
  'smoke-headers': smoke.headers,
  'smoke-variables': smoke.variables,
  'smoke-concurrency': smoke.concurrency,
  'smoke-timeout': smoke.timeout,
  'smoke-retries': smoke.retries,
  // Here the base URL of the smoke test and of the health gate.
  'environment-url': optionalHttpUrl({ credentials: 'send credentials in "smoke-headers" and "health-headers"' }),
  'health-url': optionalHttpUrl({ credentials: 'send credentials in "health-headers"' }),
  'health-method': gate.method,
  'health-headers': gate.headers,
  'health-expect-status': gate['expect-status'],
  'health-body-contains': gate['body-contains'],
  'health-json-assertions': gate['json-assertions'],
  'health-max-latency': gate['max-latency'],
  'health-interval': gate.interval,
  'health-timeout': gate.timeout,
  'health-deadline': gate.deadline,
  'health-success-threshold': gate['success-threshold'],
  'health-max-failures': gate['max-failures'],
  // Prometheus checks; $VERSION, $ENVIRONMENT and $SERVICE default to what is being deployed.
  'health-prometheus-url': metric['prometheus-url'],
  'health-prometheus-headers': metric['prometheus-headers'],
  'health-metrics': metric.metrics,
  'health-metrics-interval': metric['metrics-interval'],
  'health-metrics-failure-limit': metric['metrics-failure-limit'],
  'health-metrics-inconclusive': metric['metrics-inconclusive'],
  'health-version': metric.version,
  'health-environment': metric.environment,
  'health-service': metric.service,
  'auto-rollback': boolean(),
  'pre-deploy-command': bashScript(),
  'post-deploy-command': bashScript(),
  'hooks-timeout': duration({ min: 1000 }),
  'slack-webhook-url': optionalHttpUrl({ credentials: 'a webhook URL carries its secret in its path' }),
  'slack-token': slackToken(),
  'slack-channel': slackChannel(),
  'slack-mention': slackMention(),
  'slack-api-url': httpUrl({ credentials: 'the Web API takes "slack-token" as its credential' }),
};

const schema = deployInputs.extend(own);

export type Config = z.output<typeof schema> & { slack?: SlackDestination; metrics: MetricInputValues };

export function readConfig() {
  const { config, settings, module } = parseWithProvider(schema, ['github-token', 'slack-webhook-url', 'slack-token', 'health-prometheus-headers'], 'deploy');
  // Checks across inputs, after each one parsed on its own.
  const problems: string[] = [];
  if (config['slack-webhook-url'] && config['slack-token']) problems.push('"slack-token": expected one Slack destination, "slack-webhook-url" or "slack-token" with "slack-channel", not both');
  const smokeGiven = config['smoke-checks'].trim() || config['smoke-checks-file'] || config['smoke-paths'].length;
  if (smokeGiven && !config['environment-url']) problems.push('"environment-url": expected the environment\'s URL, the base URL of the smoke test, got nothing');
  if (config['slack-token'] && !config['slack-channel']) problems.push('"slack-channel": expected a channel ID (C0123ABCD) or name, needed with "slack-token", got nothing');
  const metrics = metricValues(config, 'health-');
  metrics.environment ??= config.environment;
  metrics.service ??= config.service || runContext().repo;
  if (metrics.metrics.length && !config['health-url'] && !config['environment-url'])
    problems.push('"health-url": expected the URL the health gate probes (or "environment-url"), since "health-metrics" are set, got nothing');
  // The version is known once deployed; the image stands in for the check.
  for (const { input, expected } of metricInputProblems({ ...metrics, version: metrics.version ?? config.image })) problems.push(`"health-${input}": expected ${expected}`);
  if (problems.length) throw new InputError(problems);
  const slack: SlackDestination | undefined = config['slack-webhook-url']
    ? { webhookUrl: config['slack-webhook-url'] }
    : config['slack-token']
      ? { token: config['slack-token'], channel: config['slack-channel']!, apiUrl: config['slack-api-url'] }
      : undefined;
  return { config: { ...config, slack, metrics } as Config, settings, module };
}
