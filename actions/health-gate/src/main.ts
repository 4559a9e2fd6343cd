import * as core from '@actions/core';
import { healthGate, metricsSection } from '../../../shared/deploy/gate.js';
import { UserError } from '../../../shared/errors.js';
import { metricsOutput } from '../../../shared/health/metrics-report.js';
import { gateSummary } from '../../../shared/health/report.js';
import { info } from '../../../shared/log.js';
import { run } from '../../../shared/run.js';
import { writeSummary } from '../../../shared/summary.js';
import { readConfig } from './config.js';

async function main(): Promise<void> {
  const { url, gate } = readConfig();
  const checked = await healthGate(gate, url, { label: 'Health gate' });
  const { result, metrics } = checked;

  core.setOutput('healthy', String(result.healthy));
  core.setOutput('attempts', String(result.attempts));
  core.setOutput('duration-ms', String(result.durationMs));
  core.setOutput('p95-ms', result.p95 === undefined ? '' : String(Math.round(result.p95)));
  core.setOutput('last-status', result.lastStatus === undefined ? '' : String(result.lastStatus));
  if (result.metrics && metrics)
    core.setOutput('metrics', JSON.stringify(metricsOutput(result.metrics, metrics.failureLimit)));
  await writeSummary('## Health gate', gateSummary(url, result), metricsSection(checked));

  if (!result.healthy) throw new UserError(`Health gate failed for ${url}: ${result.reason}`);
  info(`Healthy after ${result.attempts} attempts`);
}

await run(main);
