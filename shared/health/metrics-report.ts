import { formatDuration } from '../duration.js';
import { fence, table } from '../summary.js';
import { describeCondition, formatValue } from './metric-checks.js';
import type { Measurement, MetricsOptions, MetricsResult, MetricStatus } from './metrics.js';
import type { QueryErrorKind } from './prometheus.js';

const ROWS = 30;
const ERROR_WORDS: Record<QueryErrorKind, string> = {
  'bad-query': 'query rejected',
  query: 'query error',
  timeout: 'timeout',
  unreachable: 'unreachable',
  rejected: 'rejected',
  aborted: 'aborted',
};
const POINTS = 60;

function verdict(status: MetricStatus, failureLimit: number): string {
  if (status.failures >= failureLimit) return '❌ failed';
  const last = status.measurements.at(-1);
  if (last?.errorKind === 'bad-query' || last?.errorKind === 'rejected') return '❌ query rejected';
  return status.satisfied ? '✅ met' : '⏳ not met';
}

function mark(m: Measurement | undefined): string {
  if (!m) return '';
  if (m.kind === 'pass') return `${formatValue(m.value!)} ✅`;
  if (m.kind === 'fail') return `${formatValue(m.value!)} ❌`;
  if (m.kind === 'no-data') return '∅ no data';
  return `⚠️ ${ERROR_WORDS[m.errorKind ?? 'query']}`;
}

/** One line chart per metric with its threshold, where there are values to draw. */
function chart(status: MetricStatus): string | undefined {
  const points = status.measurements.filter((m) => m.value !== undefined && Number.isFinite(m.value)).slice(-POINTS);
  if (points.length < 2) return undefined;
  const { check } = status;
  const labels = points.map((m) => `"${formatDuration(m.atMs)}"`).join(', ');
  return fence(
    [
      'xychart-beta',
      `  title "${check.name}: value, and the threshold ${describeCondition(check)}"`,
      `  x-axis "elapsed" [${labels}]`,
      `  line [${points.map((m) => formatValue(m.value!)).join(', ')}]`,
      `  line [${points.map(() => check.threshold).join(', ')}]`,
    ].join('\n'),
    'mermaid',
  );
}

/** The metric checks' part of the job summary: a verdict per metric, its values over time, and charts. */
export function metricsSummary(result: MetricsResult, options: MetricsOptions): string {
  const { metrics } = result;
  const header =
    `### ${result.passed ? '✅' : '❌'} Metrics\n\n` +
    `Prometheus \`${options.prometheus.url}\`, measured every ${formatDuration(options.intervalMs)}; ` +
    `metrics-failure-limit ${options.failureLimit}, metrics-inconclusive ${options.inconclusive}.`;
  const verdicts = table(
    ['Metric', 'Condition', 'Verdict', 'Last value', 'Measurements', 'Failures', 'No data', 'Query errors'],
    metrics.map((s) => {
      const last = s.measurements.findLast((m) => m.value !== undefined);
      return [
        s.check.name,
        `\`${describeCondition(s.check)}\``,
        verdict(s, options.failureLimit),
        last ? formatValue(last.value!) : '–',
        s.measurements.length,
        `${s.failures}/${options.failureLimit}`,
        s.measurements.filter((m) => m.kind === 'no-data').length,
        s.errors,
      ];
    }),
  );
  const lastProblem = metrics
    .flatMap((s) => s.measurements.filter((m) => m.kind === 'error').map((m) => `${s.check.name}: ${m.detail}`))
    .at(-1);
  const queries = fence(
    metrics.map((s) => `${s.check.name}: ${s.check.query} ${describeCondition(s.check)}`).join('\n'),
    'promql',
  );

  const times = [...new Set(metrics.flatMap((s) => s.measurements.map((m) => m.atMs)))].sort((a, b) => a - b);
  const shown = times.slice(-ROWS);
  const overTime = table(
    ['Elapsed', ...metrics.map((s) => s.check.name)],
    shown.map((at) => [formatDuration(at), ...metrics.map((s) => mark(s.measurements.find((m) => m.atMs === at)))]),
  );
  const omitted = times.length - shown.length;
  const charts = metrics.map(chart).filter((c): c is string => c !== undefined);

  return [
    header,
    verdicts,
    lastProblem && `Last query error: ${lastProblem}`,
    '#### Queries',
    queries,
    '#### Values over time',
    omitted > 0 ? `(the first ${omitted} measurements are left out)` : '',
    overTime,
    ...charts,
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** The `metrics` output: per metric, its verdict and last value, for later steps. */
export function metricsOutput(
  result: MetricsResult,
  failureLimit: number,
): Record<string, { passed: boolean; value: number | null; failures: number; measurements: number }> {
  return Object.fromEntries(
    result.metrics.map((s) => {
      const last = s.measurements.findLast((m) => m.value !== undefined);
      // 6 significant digits: 0.1 rather than 0.09999999999999999 from float division in PromQL.
      const value = last?.value !== undefined && Number.isFinite(last.value) ? Number(last.value.toPrecision(6)) : null;
      return [
        s.check.name,
        {
          passed: s.satisfied && s.failures < failureLimit,
          value,
          failures: s.failures,
          measurements: s.measurements.length,
        },
      ];
    }),
  );
}
