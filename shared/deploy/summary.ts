import type { GateResult } from '../health/gate.js';
import { gateSummary } from '../health/report.js';
import { slackSummary } from '../slack/report.js';
import type { SendSlackResult } from '../slack/send.js';
import { table } from '../summary.js';
import type { PipelineResult } from './pipeline.js';
import { RESULT_HEADLINE, stageFlow, stageTable } from './report.js';

export interface GateRun {
  label: string;
  url: string;
  result: GateResult;
  /** The Prometheus checks' report, when the gate had some. */
  metricsSection?: string;
}

export interface DeploySummaryInput {
  environment: string;
  service: string;
  image: string;
  provider: string;
  strategy: string;
  environmentUrl?: string;
  outcome: PipelineResult;
  gates: readonly GateRun[];
  /** Sections shown before the gates' (the smoke test's results). */
  sections?: readonly string[];
  deployDetails: readonly [string, string][];
  rollbackDetails: readonly [string, string][];
  rolledBackTo?: string;
  deploymentId?: number;
  slack?: { where: string; result?: SendSlackResult };
}

const code = (s: string) => `\`${s}\``;

/**
 * The deploy's job summary, one page: verdict and what is live now, the
 * stage table, the Mermaid flow, then each stage's own report.
 */
export function deploySummary(input: DeploySummaryInput): string {
  const { outcome } = input;
  const live =
    outcome.result === 'success'
      ? input.image
      : outcome.result === 'rolled-back'
        ? input.rolledBackTo
        : outcome.failedStage === 'pre-deploy' || outcome.failedStage === 'deploy'
          ? outcome.previousVersion
          : undefined;
  const overview: [string, string][] = [
    ['Result', outcome.result + (outcome.failedStage ? ` (failed stage: ${outcome.failedStage})` : '')],
    ['Image', code(input.image)],
    ['Version', outcome.version ? code(outcome.version) : '–'],
    ['Previous version', outcome.previousVersion ? code(outcome.previousVersion) : '–'],
    ['Live now', live ? code(live) : outcome.result === 'failed' ? 'see the stages below' : '–'],
    ['Environment', input.environmentUrl ? `[${input.environment}](${input.environmentUrl})` : input.environment],
    ['Service / provider / strategy', `${input.service} / ${input.provider} / ${input.strategy}`],
    ['GitHub Deployment', input.deploymentId ? String(input.deploymentId) : '–'],
  ];
  if (outcome.error) overview.push(['Why', outcome.error]);

  const parts = [
    `## ${RESULT_HEADLINE[outcome.result]}: ${input.service} on ${input.environment}`,
    table(['', ''], overview),
    '### Stages',
    stageTable(outcome.stages),
    stageFlow(outcome.stages),
  ];
  parts.push(...(input.sections ?? []));
  for (const gate of input.gates) {
    parts.push(`### ${gate.label}`, gateSummary(gate.url, gate.result).replace(/^### /, '#### '));
    if (gate.metricsSection) parts.push(gate.metricsSection);
  }
  if (input.deployDetails.length) parts.push('### Deploy', table(['Target', 'What happened'], input.deployDetails));
  if (input.rollbackDetails.length) parts.push('### Rollback', table(['Target', 'What happened'], input.rollbackDetails));
  if (input.slack?.result) parts.push(slackSummary(input.slack.where, `Deploy ${input.environment}: ${outcome.result}`, input.slack.result).replace(/^### /, '### Slack: '));
  return parts.join('\n\n');
}
