import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exec } from '../exec.js';
import { inert } from '../log.js';
import { lockfileNames, type PackageManagerName } from '../setup/package-manager.js';
import { workspacePath, type Annotation } from './annotation.js';
import { atOrAbove, auditCommand, auditFailure, parseAudit, type AuditReport, type Severity } from './audit.js';
import type { PathBase } from './parsers.js';
import type { Task } from './run-stages.js';
import { toSarif } from './sarif.js';

export interface AuditOutcome {
  report?: AuditReport;
  sarifFile?: string;
}

/**
 * The dependency scan as a stage: run the package manager's audit, keep every
 * finding for the report and SARIF, fail on those at or above `level`. An
 * audit that cannot run (no lockfile, registry without an audit endpoint) fails
 * the stage with the reason: a security gate must not pass unseen.
 */
export function auditTask(
  pm: PackageManagerName,
  pmVersion: string,
  level: Severity,
  base: PathBase,
  sarifPath: string,
  outcome: AuditOutcome,
  timeoutMs: number,
): Task {
  const argv = auditCommand(pm, pmVersion);
  return {
    name: 'audit',
    command: argv.join(' '),
    run: async (signal, log) => {
      const lockName = lockfileNames(pm).find((f) => existsSync(join(base.projectDir, f)));
      if (!lockName)
        return {
          status: 'failed',
          annotations: [],
          detail: `no lockfile (${lockfileNames(pm).join(' or ')}) to audit in ${base.projectDir}`,
        };
      const result = await exec(argv, { cwd: base.projectDir, timeoutMs, allowFailure: true, signal });
      log(result.stderr);
      if (signal.aborted)
        return { status: 'cancelled', annotations: [], detail: 'stopped because another stage failed (fail-fast)' };
      const parsed = parseAudit(result.stdout, result.stderr);
      if ('error' in parsed) {
        const detail = auditFailure(argv.join(' '), parsed.error);
        log(`${inert(detail)}\n`);
        return { status: 'failed', annotations: [], detail };
      }
      outcome.report = parsed;
      const c = parsed.counts;
      log(
        `Vulnerabilities: ${c.critical} critical, ${c.high} high, ${c.moderate} moderate, ${c.low} low, ${c.info} info\n`,
      );
      // Advisory text comes from the registry: printed inert, unlike the audit's own output.
      for (const f of parsed.findings)
        log(inert(`  ${f.severity.padEnd(8)} ${f.package} ${f.range}  ${f.title}  ${f.url}  fix: ${f.fix}\n`));

      const lockPath = join(base.projectDir, lockName);
      const uri = workspacePath(lockPath, base.projectDir, base.workspace);
      mkdirSync(dirname(sarifPath), { recursive: true });
      writeFileSync(
        sarifPath,
        `${JSON.stringify(toSarif(parsed.findings, { path: lockPath, uri }, pmVersion), null, 2)}\n`,
      );
      outcome.sarifFile = sarifPath;

      const lines = readFileSync(lockPath, 'utf8').split('\n');
      const failing = atOrAbove(parsed.findings, level);
      const annotations: Annotation[] = failing.map((f) => {
        const at = lines.findIndex((l) => l.includes(`"node_modules/${f.package}"`) || l.includes(`${f.package}@`));
        return {
          level: 'error',
          file: uri,
          line: at >= 0 ? at + 1 : undefined,
          title: `${f.severity} vulnerability in ${f.package}`,
          message: `${f.title} (${f.package} ${f.range}; fix: ${f.fix}) ${f.url}`.trim(),
        };
      });
      return failing.length
        ? { status: 'failed', annotations, detail: `${failing.length} advisories at or above ${level}` }
        : { status: 'passed', annotations: [] };
    },
  };
}
