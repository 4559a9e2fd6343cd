import * as core from '@actions/core';
import { mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runContext } from '../../../shared/context.js';
import { formatDuration } from '../../../shared/duration.js';
import { UserError } from '../../../shared/errors.js';
import { exec } from '../../../shared/exec.js';
import { info } from '../../../shared/log.js';
import { emitAnnotations } from '../../../shared/quality/annotation.js';
import { auditTask, type AuditOutcome } from '../../../shared/quality/audit-task.js';
import { commandTask, runStages, type Task } from '../../../shared/quality/run-stages.js';
import { STAGES, resolveStage } from '../../../shared/quality/stages.js';
import { failureReason, qualitySummary } from '../../../shared/quality/summary.js';
import { run } from '../../../shared/run.js';
import { detectPackageManager, readPackageJson } from '../../../shared/setup/package-manager.js';
import { writeSummary } from '../../../shared/summary.js';
import { readConfig } from './config.js';

const STAGE_TIMEOUT = 60 * 60_000;

async function main(): Promise<void> {
  const config = readConfig();
  const ctx = runContext();
  const { dir } = config;
  const pkg = readPackageJson(dir);
  if (!pkg) throw new UserError(`No package.json in ${dir}; set working-directory to the project folder`);
  const scripts = (pkg.scripts ?? {}) as Record<string, string>;
  const pm = detectPackageManager(dir, 'auto');
  // Only yarn's audit command depends on its major version.
  const pmVersion =
    pm.name === 'yarn' ? (await exec(['yarn', '--version'], { cwd: dir, timeoutMs: 120_000 })).stdout.trim() : '';

  const base = { projectDir: dir, workspace: ctx.workspace };
  const options = {
    pm: pm.name,
    base,
    reportDir: mkdtempSync(join(ctx.runnerTemp, 'lint-test-scan-')),
    parallel: config.parallel,
    failFast: config['fail-fast'],
    timeoutMs: STAGE_TIMEOUT,
  };
  const tasks: Task[] = [];
  const skipped: string[] = [];
  for (const name of STAGES) {
    const stage = resolveStage(name, config[name], scripts, pm.name, dir);
    if (stage) {
      if (name === 'test' && config['test-report']) stage.junit = resolve(dir, config['test-report']);
      tasks.push(commandTask(stage, options));
      // A script's tool is not in its argv: say which one its findings are read as.
      const tool = stage.origin.startsWith('script') && stage.tool !== 'other' ? `: ${stage.tool}` : '';
      info(`${name}: ${stage.argv.join(' ')} (${stage.origin}${tool})`);
    } else skipped.push(name);
  }
  if (config['test-report'] && !tasks.some((t) => t.name === 'test'))
    core.warning('test-report is set but there is no test stage to write it');
  const audit: AuditOutcome = {};
  const level = config['audit-level'];
  const sarifPath = join(ctx.runnerTemp, 'lint-test-scan', 'audit.sarif');
  if (level !== 'none') tasks.push(auditTask(pm.name, pmVersion, level, base, sarifPath, audit, STAGE_TIMEOUT));
  else skipped.push('audit');
  if (!tasks.length)
    core.warning(
      'No stage to run: no lint, format:check, typecheck or test script, no tsconfig.json, and audit-level is none',
    );
  info(
    `Running ${tasks.length} stage(s) ${config.parallel ? 'in parallel' : 'one after another'}${config['fail-fast'] ? ', stopping at the first failure' : ''}; not configured: ${skipped.join(', ') || 'none'}`,
  );

  const started = performance.now();
  const results = await runStages(tasks, options);
  const failed = results.filter((r) => r.status === 'failed').map((r) => r.name);
  for (const r of results) emitAnnotations(r.annotations);

  core.setOutput('result', failed.length ? 'failed' : 'passed');
  core.setOutput('failed-stages', failed.join(','));
  core.setOutput('vulnerabilities', audit.report ? JSON.stringify(audit.report.counts) : '');
  core.setOutput('sarif-file', audit.sarifFile ?? '');
  for (const name of [...STAGES, 'audit'] as const) {
    const r = results.find((x) => x.name === name);
    core.setOutput(`${name}-duration-ms`, r && r.status !== 'skipped' ? String(r.durationMs) : '');
  }
  await writeSummary(qualitySummary(results, skipped, audit.report, level, performance.now() - started));

  if (failed.length) {
    throw new UserError(
      `Quality gates failed: ${results
        .filter((r) => r.status === 'failed')
        .map(failureReason)
        .join('; ')}`,
    );
  }
  info(`All ${results.length} stage(s) passed in ${formatDuration(performance.now() - started)}`);
}

await run(main);
