import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as core from '@actions/core';
import { runContext } from '../../../shared/context.js';
import { formatDuration } from '../../../shared/duration.js';
import { UserError } from '../../../shared/errors.js';
import { info } from '../../../shared/log.js';
import { Redactor } from '../../../shared/redact.js';
import { run } from '../../../shared/run.js';
import { runFlows } from '../../../shared/smoke/flows.js';
import { junitReport } from '../../../shared/smoke/junit.js';
import { loadFlows } from '../../../shared/smoke/load.js';
import { resultsJson, smokeSummary, totals } from '../../../shared/smoke/report.js';
import { checkVariables } from '../../../shared/smoke/vars.js';
import { writeSummary } from '../../../shared/summary.js';
import { readConfig } from './config.js';

async function main(): Promise<void> {
  const config = readConfig();
  const secrets = new Redactor();
  for (const value of Object.values(config.headers)) secrets.add(value);
  const { workspace } = runContext();
  const env = checkVariables(process.env, config.variables);
  const flows = loadFlows({
    checks: config.checks,
    checksFile: config['checks-file'],
    workspace,
    shorthand: config.paths,
    env,
  });
  const stepCount = flows.reduce((n, f) => n + f.steps.length, 0);
  info(
    `Running ${flows.length} flow(s), ${stepCount} step(s) against ${config['base-url']}` +
      ` (concurrency ${config.concurrency}, timeout ${formatDuration(config.timeout)} per request, retries ${config.retries})`,
  );

  const started = performance.now();
  const results = await runFlows(flows, {
    baseUrl: config['base-url'],
    headers: config.headers,
    timeoutMs: config.timeout,
    retries: config.retries,
    concurrency: config.concurrency,
    env,
    onSecret: (value) => secrets.add(value),
    log: (line) => info(secrets.redact(line)),
  });
  const durationMs = performance.now() - started;
  const t = totals(results);

  let reportPath = '';
  if (config['junit-report']) {
    reportPath = resolve(workspace, config['junit-report']);
    mkdirSync(dirname(reportPath), { recursive: true });
    writeFileSync(reportPath, secrets.redact(junitReport(results)));
    info(`JUnit report written to ${reportPath}`);
  }
  core.setOutput('passed', String(t.failed === 0));
  core.setOutput('total', String(t.steps));
  core.setOutput('failed', String(t.failed));
  core.setOutput('results', secrets.redact(resultsJson(results)));
  core.setOutput('report-path', reportPath);
  await writeSummary('## Smoke test', secrets.redact(smokeSummary(config['base-url'], results, durationMs)));

  for (const flow of results)
    for (const step of flow.steps.filter((s) => !s.ok && !s.skipped)) {
      const got = step.response ? `. Got ${step.response}` : '';
      core.error(secrets.redact(`Flow "${flow.flow}", step "${step.step}" (${step.target}) failed: ${step.problems.join('; ')}${got}`), {
        title: secrets.redact(`Smoke test: ${flow.flow} / ${step.step}`),
      });
    }
  if (t.failed > 0) {
    const names = results.filter((f) => !f.ok).map((f) => `"${f.flow}"`).join(', ');
    throw new UserError(secrets.redact(`${t.failed} of ${t.steps} smoke steps failed in ${t.failedFlows} of ${t.flows} flows: ${names}`));
  }
  info(`All ${t.steps} steps passed in ${formatDuration(durationMs)}`);
}

await run(main);
