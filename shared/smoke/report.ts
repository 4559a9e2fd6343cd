import { formatDuration } from '../duration.js';
import { table } from '../summary.js';
import type { FlowResult } from './flows.js';

export interface Totals {
  flows: number;
  failedFlows: number;
  steps: number;
  failed: number;
  skipped: number;
}

export function totals(flows: readonly FlowResult[]): Totals {
  const steps = flows.flatMap((f) => f.steps);
  return {
    flows: flows.length,
    failedFlows: flows.filter((f) => !f.ok).length,
    steps: steps.length,
    failed: steps.filter((s) => !s.ok && !s.skipped).length,
    skipped: steps.filter((s) => s.skipped).length,
  };
}

/** The `results` output: one entry per step, failures with their reason. */
export function resultsJson(flows: readonly FlowResult[]): string {
  return JSON.stringify(
    flows.flatMap((f) =>
      f.steps.map((s) => ({
        flow: f.flow,
        step: s.step,
        ok: s.ok,
        status: s.status ?? null,
        ms: s.ms === undefined ? null : Math.round(s.ms),
        error: s.ok ? null : s.problems.join('; '),
        skipped: s.skipped,
      })),
    ),
  );
}

/** The job summary: a verdict line, then one row per step grouped by flow. */
export function smokeSummary(baseUrl: string, flows: readonly FlowResult[], durationMs: number): string {
  const t = totals(flows);
  const verdict =
    t.failed === 0
      ? `### ✅ All ${t.steps} steps passed in ${t.flows} flow${t.flows === 1 ? '' : 's'}`
      : `### ❌ ${t.failed} of ${t.steps} steps failed in ${t.failedFlows} of ${t.flows} flows${t.skipped ? ` (${t.skipped} skipped)` : ''}`;
  const rows = flows.flatMap((f) =>
    f.steps.map((s, i) => [
      i === 0 ? `${f.ok ? '✅' : '❌'} ${f.flow}` : '',
      `${s.step}${s.step === s.target ? '' : ` <sub>${s.target}</sub>`}`,
      s.ok ? 'pass' : s.skipped ? 'skipped' : '**fail**',
      s.status ?? '–',
      s.ms === undefined ? '–' : formatDuration(s.ms),
      s.ok ? '' : [...s.problems, ...(s.response ? [`got ${s.response}`] : [])].join('<br>'),
    ]),
  );
  return `${verdict}\n\nAgainst \`${baseUrl}\` in ${formatDuration(durationMs)}.\n\n${table(['Flow', 'Step', 'Result', 'Status', 'Latency', 'Details'], rows)}`;
}
