import * as core from '@actions/core';
import { formatDuration } from '../../../shared/duration.js';
import { UserError } from '../../../shared/errors.js';
import { runGate } from '../../../shared/health/gate.js';
import { metricsOptions, metricValues } from '../../../shared/health/metric-inputs.js';
import { metricsOutput, metricsSummary } from '../../../shared/health/metrics-report.js';
import { gateSummary } from '../../../shared/health/report.js';
import { info } from '../../../shared/log.js';
import { run } from '../../../shared/run.js';
import { writeSummary } from '../../../shared/summary.js';
import { readConfig } from './config.js';

async function main(): Promise<void> {
  const config = readConfig();
  const metrics = metricsOptions(metricValues(config), { intervalMs: config.interval, timeoutMs: config.timeout });
  info(`Waiting for ${config.method} ${config.url} to be healthy (${config['success-threshold']} consecutive passes, deadline ${formatDuration(config.deadline)})`);

  const result = await runGate({
    url: config.url,
    method: config.method,
    headers: config.headers,
    expectStatus: config['expect-status'],
    bodyContains: config['body-contains'],
    jsonAssertions: config['json-assertions'],
    maxLatencyMs: config['max-latency'],
    timeoutMs: config.timeout,
    intervalMs: config.interval,
    deadlineMs: config.deadline,
    successThreshold: config['success-threshold'],
    maxFailures: config['max-failures'],
    log: info,
    metrics,
  });

  core.setOutput('healthy', String(result.healthy));
  core.setOutput('attempts', String(result.attempts));
  core.setOutput('duration-ms', String(result.durationMs));
  core.setOutput('p95-ms', result.p95 === undefined ? '' : String(Math.round(result.p95)));
  core.setOutput('last-status', result.lastStatus === undefined ? '' : String(result.lastStatus));
  if (result.metrics && metrics) core.setOutput('metrics', JSON.stringify(metricsOutput(result.metrics, metrics.failureLimit)));
  await writeSummary('## Health gate', gateSummary(config.url, result), result.metrics && metrics && metricsSummary(result.metrics, metrics));

  if (!result.healthy) throw new UserError(`Health gate failed for ${config.url}: ${result.reason}`);
  info(`Healthy after ${result.attempts} attempts`);
}

await run(main);
