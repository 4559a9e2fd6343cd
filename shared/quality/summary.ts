import { formatDuration } from '../duration.js';
import { details, table } from '../summary.js';
import { where } from './annotation.js';
import { atOrAbove, type AuditReport, type Severity } from './audit.js';
import type { StageResult } from './run-stages.js';

const FAILED_TEST = /^Test failed: /;
const ICON = { passed: '✅ passed', failed: '❌ failed', skipped: '⏭️ skipped', cancelled: '⏹️ cancelled' } as const;

/** One table of stages (result, duration), then each failed stage's findings and the audit's advisories. */
export function qualitySummary(
  results: readonly StageResult[],
  notConfigured: readonly string[],
  audit: AuditReport | undefined,
  level: Severity | 'none',
  totalMs: number,
): string {
  const failed = results.some((r) => r.status === 'failed');
  const sections: string[] = [
    `## Quality gates ${failed ? 'failed' : 'passed'}`,
    table(
      ['Stage', 'Result', 'Duration', 'Command'],
      [
        ...results.map((r) => [
          r.name,
          ICON[r.status],
          r.status === 'skipped' ? '' : formatDuration(r.durationMs),
          `\`${r.command}\``,
        ]),
        ...notConfigured.map((n) => [n, 'not configured', '', '']),
      ],
    ),
    `Total ${formatDuration(totalMs)}.`,
  ];
  for (const r of results.filter((x) => x.status === 'failed' && x.name !== 'audit')) {
    // A failed test is named by the test, a lint finding by its rule.
    const rows = r.annotations
      .slice(0, 30)
      .map((a) => [where(a) || '—', a.title.replace(FAILED_TEST, ''), a.message.split('\n')[0]]);
    sections.push(
      `### ${r.name}`,
      r.detail ?? '',
      rows.length ? table(['Where', r.name === 'test' ? 'Test' : 'Rule', 'Message'], rows) : '',
    );
    if (r.annotations.length > 30) sections.push(`…and ${r.annotations.length - 30} more (see the log).`);
  }
  const auditResult = results.find((r) => r.name === 'audit');
  if (auditResult) {
    sections.push('### Dependency audit');
    if (!audit) sections.push(`The audit did not run: ${auditResult.detail ?? auditResult.status}`);
    else {
      const c = audit.counts;
      sections.push(
        table(
          ['Critical', 'High', 'Moderate', 'Low', 'Info', 'Total'],
          [[c.critical, c.high, c.moderate, c.low, c.info, c.total]],
        ),
      );
      if (level !== 'none') {
        const blocking = atOrAbove(audit.findings, level);
        sections.push(
          blocking.length
            ? `${blocking.length} advisories at or above **${level}** fail the scan:\n\n${table(
                ['Package', 'Severity', 'Title', 'Fix available'],
                blocking.map((f) => [f.package, f.severity, f.url ? `[${f.title}](${f.url})` : f.title, f.fix]),
              )}`
            : `No advisories at or above **${level}**.`,
        );
        const below = audit.findings.filter((f) => !blocking.includes(f));
        if (below.length)
          sections.push(
            details(
              `${below.length} below ${level}`,
              table(
                ['Package', 'Severity', 'Title', 'Fix available'],
                below.map((f) => [f.package, f.severity, f.title, f.fix]),
              ),
            ),
          );
      }
    }
  }
  return sections.filter(Boolean).join('\n\n');
}

/**
 * Why a failed stage failed, in a few words for the step's error: its detail, the failing tests, or its count of
 * findings.
 */
export function failureReason(r: StageResult): string {
  if (r.detail) return `${r.name} (${r.detail.split('\n')[0]})`;
  const tests = r.annotations.filter((a) => FAILED_TEST.test(a.title)).map((a) => a.title.replace(FAILED_TEST, ''));
  if (tests.length)
    return `${r.name} (${tests.length} failed: ${tests.slice(0, 3).join(', ')}${tests.length > 3 ? ', …' : ''})`;
  return r.annotations.length
    ? `${r.name} (${r.annotations.length} finding${r.annotations.length === 1 ? '' : 's'})`
    : r.name;
}
