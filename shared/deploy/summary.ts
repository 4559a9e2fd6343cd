import { gateSummary } from '../health/report.js';
import type { DeployResult, RollbackResult } from '../providers/types.js';
import { slackSummary } from '../slack/report.js';
import type { SendSlackResult } from '../slack/send.js';
import { table } from '../summary.js';
import { metricsSection, type GateRun } from './gate.js';
import type { PipelineResult } from './pipeline.js';
import { RESULT_HEADLINE, stageFlow, stageTable } from './report.js';

export interface DeploySummaryInput {
  config: { environment: string; service: string; image: string; strategy: string; 'environment-url'?: string };
  provider: string;
  outcome: PipelineResult;
  /** The GitHub Deployment of this deploy, when recorded. */
  deployment?: { id: number };
  /** What each stage has to report, once it ran. */
  release: { result?: DeployResult; missing?: string };
  smoke?: { section?: string };
  gate?: { runs: readonly GateRun[] };
  rollback?: { result?: RollbackResult };
  notifier: { where?: string; last?: SendSlackResult };
}

const code = (s: string) => `\`${s}\``;

/**
 * The deploy's job summary, one page: verdict and what is live now, the
 * stage table, the Mermaid flow, then each stage's own report.
 */
export function deploySummary(input: DeploySummaryInput): string {
  const { config, outcome, notifier } = input;
  const { environment, service } = config;
  const envUrl = input.release.result?.url ?? config['environment-url'];
  const rolledBack = input.rollback?.result;
  const live =
    outcome.result === 'success'
      ? config.image
      : outcome.result === 'rolled-back'
        ? rolledBack?.to.version
        : outcome.failedStage === 'pre-deploy' || outcome.failedStage === 'deploy'
          ? outcome.previousVersion
          : undefined;
  const overview: [string, string][] = [
    ['Result', outcome.result + (outcome.failedStage ? ` (failed stage: ${outcome.failedStage})` : '')],
    ['Image', code(config.image)],
    ['Version', outcome.version ? code(outcome.version) : '–'],
    ['Previous version', outcome.previousVersion ? code(outcome.previousVersion) : '–'],
    ['Live now', live ? code(live) : outcome.result === 'failed' ? 'see the stages below' : '–'],
    ['Environment', envUrl ? `[${environment}](${envUrl})` : environment],
    ['Service / provider / strategy', `${service} / ${input.provider} / ${config.strategy}`],
    [
      'GitHub Deployment',
      input.deployment
        ? String(input.deployment.id)
        : input.release.missing
          ? `missing: ${input.release.missing}`
          : '–',
    ],
  ];
  if (outcome.error) overview.push(['Why', outcome.error]);

  const parts = [
    `## ${RESULT_HEADLINE[outcome.result]}: ${service} on ${environment}`,
    table(['', ''], overview),
    '### Stages',
    stageTable(outcome.stages),
    stageFlow(outcome.stages),
  ];
  if (input.smoke?.section) parts.push(input.smoke.section);
  for (const gate of input.gate?.runs ?? []) {
    parts.push(`### ${gate.label}`, gateSummary(gate.url, gate.result).replace(/^### /, '#### '));
    const metrics = metricsSection(gate, '####');
    if (metrics) parts.push(metrics);
  }
  const deployed = input.release.result?.details ?? [];
  if (deployed.length) parts.push('### Deploy', table(['Target', 'What happened'], deployed));
  if (rolledBack?.details.length) parts.push('### Rollback', table(['Target', 'What happened'], rolledBack.details));
  if (notifier.where && notifier.last)
    parts.push(
      slackSummary(notifier.where, `Deploy ${environment}: ${outcome.result}`, notifier.last).replace(
        /^### /,
        '### Slack: ',
      ),
    );
  return parts.join('\n\n');
}
