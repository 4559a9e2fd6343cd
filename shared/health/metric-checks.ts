import type { Sample } from './prometheus.js';

export const COMPARISONS = ['<=', '>=', '==', '!=', '<', '>'] as const;
export type Comparison = (typeof COMPARISONS)[number];

/** One line of the `metrics` input: `error-rate: <PromQL> < 0.02`. */
export interface MetricCheck {
  name: string;
  query: string;
  op: Comparison;
  threshold: number;
}

export const METRIC_LINE_FORMAT = 'lines "name: <PromQL> <op> <number>" with op one of < <= > >= == !=';

const LINE = /^([A-Za-z0-9][\w.-]*)\s*:\s*(.*)$/;
// Greedy query: the LAST comparison on the line is the threshold, so PromQL may contain its own (`sum(x > 0) < 5`).
const CONDITION = /^(.*\S)\s*(<=|>=|==|!=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)$/;

/** A check, or why the line is not one (in words that complete "line N is not valid: …"). */
export function parseMetricLine(line: string): MetricCheck | { problem: string } {
  const named = LINE.exec(line.trim());
  if (!named) return { problem: 'it does not start with a name and a colon (e.g. "error-rate: ...")' };
  const [, name, rest] = named as unknown as [string, string, string];
  const condition = CONDITION.exec(rest.trim());
  if (!condition) return { problem: 'it does not end with a comparison to a number (e.g. "< 0.02")' };
  const [, query, op, threshold] = condition as unknown as [string, string, Comparison, string];
  return { name, query: query.trim(), op, threshold: Number(threshold) };
}

/** Every line of the input, or every problem (line numbers count the lines as written). */
export function parseMetricLines(text: string): { checks: MetricCheck[]; problems: string[] } {
  const checks: MetricCheck[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const parsed = parseMetricLine(line);
    if ('problem' in parsed) problems.push(`line ${index + 1} ${JSON.stringify(line)}: ${parsed.problem}`);
    else if (checks.some((c) => c.name === parsed.name))
      problems.push(`line ${index + 1}: the name "${parsed.name}" is used twice`);
    else checks.push(parsed);
  });
  return { checks, problems };
}

export const QUERY_VARIABLES = ['VERSION', 'ENVIRONMENT', 'SERVICE'] as const;
export type QueryVariable = (typeof QUERY_VARIABLES)[number];

const VARIABLE = /\$(?:\{(VERSION|ENVIRONMENT|SERVICE)\}|(VERSION|ENVIRONMENT|SERVICE)\b)/g;

/** The variables (`$VERSION` or `${VERSION}`) a query uses. */
export function variablesIn(query: string): QueryVariable[] {
  return [...new Set([...query.matchAll(VARIABLE)].map((m) => (m[1] ?? m[2]) as QueryVariable))];
}

/** Replace `$VERSION`, `$ENVIRONMENT`, `$SERVICE` (or `${…}`) with their values; unknown `$names` stay as written. */
export function substitute(query: string, values: Partial<Record<QueryVariable, string>>): string {
  return query.replace(
    VARIABLE,
    (whole, braced?: string, bare?: string) => values[(braced ?? bare) as QueryVariable] ?? whole,
  );
}

export function compare(value: number, op: Comparison, threshold: number): boolean {
  switch (op) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

/** 0.081234 → `0.08123`, 1200 → `1200`, Infinity → `+Inf`: enough digits to judge, no noise. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

export const describeCondition = (check: MetricCheck) => `${check.op} ${formatValue(check.threshold)}`;

export interface Judgement {
  /** `no-data`: an empty result or only NaN, which metrics-inconclusive decides. */
  kind: 'pass' | 'fail' | 'no-data';
  /** The deciding value: the worst series when the query returns several. */
  value?: number;
  labels?: Record<string, string>;
  /** In words: `0.08123, expected < 0.02` or `empty result`. */
  detail: string;
}

const labelText = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;

/**
 * Judge one answer against the check. With several series every one must
 * hold; the value shown is the one that breaks the condition, or the one
 * nearest to breaking it.
 */
export function judge(check: MetricCheck, samples: readonly Sample[]): Judgement {
  const numbers = samples.filter((s) => !Number.isNaN(s.value));
  if (numbers.length === 0)
    return {
      kind: 'no-data',
      detail: samples.length ? 'the query returned NaN' : 'the query returned an empty result',
    };
  const lowIsBad = check.op === '>' || check.op === '>=';
  const worst = (list: readonly Sample[]) =>
    check.op === '==' || check.op === '!='
      ? list[0]
      : list.reduce((a, b) => ((lowIsBad ? b.value < a.value : b.value > a.value) ? b : a));
  const failing = numbers.filter((s) => !compare(s.value, check.op, check.threshold));
  const decisive = worst(failing.length ? failing : numbers);
  const where = numbers.length > 1 ? ` for ${labelText(decisive.labels)}` : '';
  const value = formatValue(decisive.value);
  return failing.length
    ? {
        kind: 'fail',
        value: decisive.value,
        labels: decisive.labels,
        detail: `${value}${where}, expected ${describeCondition(check)}`,
      }
    : {
        kind: 'pass',
        value: decisive.value,
        labels: decisive.labels,
        detail: `${value}${where} ${describeCondition(check)}`,
      };
}
