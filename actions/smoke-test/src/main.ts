import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as core from '@actions/core';
import { runContext } from '../../../shared/context.js';
import { smokeTest } from '../../../shared/deploy/smoke.js';
import { formatDuration } from '../../../shared/duration.js';
import { UserError } from '../../../shared/errors.js';
import { info } from '../../../shared/log.js';
import { Redactor } from '../../../shared/redact.js';
import { run } from '../../../shared/run.js';
import { smokeFlows } from '../../../shared/smoke/inputs.js';
import { junitReport } from '../../../shared/smoke/junit.js';
import { resultsJson, smokeSummary } from '../../../shared/smoke/report.js';
import { writeSummary } from '../../../shared/summary.js';
import { readConfig } from './config.js';

async function main(): Promise<void> {
  const { baseUrl, junitReport: junitPath, smoke } = readConfig();
  const { workspace } = runContext();
  const secrets = new Redactor();
  const flows = smokeFlows(smoke, workspace);
  const { results, durationMs, totals: t } = await smokeTest(flows, smoke, baseUrl, secrets);

  let reportPath = '';
  if (junitPath) {
    reportPath = resolve(workspace, junitPath);
    mkdirSync(dirname(reportPath), { recursive: true });
    writeFileSync(reportPath, secrets.redact(junitReport(results)));
    info(`JUnit report written to ${reportPath}`);
  }
  core.setOutput('passed', String(t.failed === 0));
  core.setOutput('total', String(t.steps));
  core.setOutput('failed', String(t.failed));
  core.setOutput('results', secrets.redact(resultsJson(results)));
  core.setOutput('report-path', reportPath);
  await writeSummary('## Smoke test', secrets.redact(smokeSummary(baseUrl, results, durationMs)));

  for (const flow of results)
    for (const step of flow.steps.filter((s) => !s.ok && !s.skipped)) {
      const got = step.response ? `. Got ${step.response}` : '';
      core.error(
        secrets.redact(
          `Flow "${flow.flow}", step "${step.step}" (${step.target}) failed: ${step.problems.join('; ')}${got}`,
        ),
        {
          title: secrets.redact(`Smoke test: ${flow.flow} / ${step.step}`),
        },
      );
    }
  if (t.failed > 0) {
    const names = results
      .filter((f) => !f.ok)
      .map((f) => `"${f.flow}"`)
      .join(', ');
    throw new UserError(
      secrets.redact(`${t.failed} of ${t.steps} smoke steps failed in ${t.failedFlows} of ${t.flows} flows: ${names}`),
    );
  }
  info(`All ${t.steps} steps passed in ${formatDuration(durationMs)}`);
}

await run(main);
