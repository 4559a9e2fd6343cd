import { z } from 'zod';
import {
  fail,
  headerLines,
  integer,
  multiLine,
  oneOf,
  optionalDuration,
  optionalHttpUrl,
  optionalText,
} from '../inputs.js';
import {
  METRIC_LINE_FORMAT,
  parseMetricLines,
  substitute,
  variablesIn,
  type MetricCheck,
  type QueryVariable,
} from './metric-checks.js';
import type { MetricsOptions } from './metrics.js';
import { perPrefix, withoutPrefix, withPrefix, type Prefixed, type ValuesOf } from '../prefixed-inputs.js';

/**
 * A value put into PromQL for $VERSION, $ENVIRONMENT or $SERVICE: no quotes,
 * braces or spaces, so it cannot end a label matcher and rewrite the query.
 */
const queryValue = () =>
  optionalText({ max: 512 }).transform((s, ctx) =>
    s === undefined || /^[A-Za-z0-9][A-Za-z0-9._:@/+-]*$/.test(s)
      ? s
      : fail(
          ctx,
          'a value of letters, digits and . _ : @ / + - (starting with a letter or digit), as it goes into PromQL queries',
        ),
  );

/**
 * The metric-check inputs of health-gate, part of the gate's inputs
 * (./inputs.ts), which `deploy` takes prefixed (`health-prometheus-url`, …).
 * A schema that spreads `metricInputs(prefix)` adds
 * `.superRefine(refineMetricInputs(prefix))`, or checks `metricInputProblems`
 * itself; `prometheus-headers` must be listed among its secrets.
 */
export const metricShape = perPrefix((prefix: string) => ({
  'prometheus-url': optionalHttpUrl({ credentials: `send credentials in "${prefix}prometheus-headers"` }),
  'prometheus-headers': headerLines(),
  metrics: multiLine().transform((text, ctx): MetricCheck[] => {
    const { checks, problems } = parseMetricLines(text);
    if (problems.length) ctx.addIssue({ code: 'custom', message: `${METRIC_LINE_FORMAT}; ${problems.join('; ')}` });
    return checks;
  }),
  'metrics-interval': optionalDuration(),
  'metrics-failure-limit': integer({ min: 1, max: 1000 }),
  'metrics-inconclusive': oneOf(['fail', 'pass'] as const),
  version: queryValue(),
  environment: queryValue(),
  service: queryValue(),
}));

type Shape = ReturnType<typeof metricShape>;
export type MetricInputName = keyof Shape;
export type MetricInputValues = ValuesOf<Shape>;

/** metricShape's keys, listed so no shape is built for them (a test keeps the two equal). */
export const METRIC_INPUT_NAMES: readonly MetricInputName[] = [
  'prometheus-url',
  'prometheus-headers',
  'metrics',
  'metrics-interval',
  'metrics-failure-limit',
  'metrics-inconclusive',
  'version',
  'environment',
  'service',
];

export function metricInputs<P extends string = ''>(prefix: P = '' as P): Prefixed<P, Shape> {
  return withPrefix(prefix, metricShape(prefix));
}

/** The metric inputs of a parsed config, without their prefix. */
export function metricValues(config: Record<string, unknown>, prefix = ''): MetricInputValues {
  return withoutPrefix(config, prefix, metricShape(prefix));
}

const VARIABLE_INPUTS: Record<QueryVariable, 'version' | 'environment' | 'service'> = {
  VERSION: 'version',
  ENVIRONMENT: 'environment',
  SERVICE: 'service',
};

/** Problems across inputs (each field alone was fine): which input, and what is expected of it. */
export function metricInputProblems(values: MetricInputValues): { input: MetricInputName; expected: string }[] {
  const problems: { input: MetricInputName; expected: string }[] = [];
  if (values['prometheus-url'] && values.metrics.length === 0)
    problems.push({ input: 'metrics', expected: `at least one of ${METRIC_LINE_FORMAT} when prometheus-url is set` });
  if (!values['prometheus-url'] && values.metrics.length > 0)
    problems.push({
      input: 'prometheus-url',
      expected: 'the http:// or https:// URL of Prometheus, since metrics are set',
    });
  for (const check of values.metrics) {
    for (const variable of variablesIn(check.query)) {
      const input = VARIABLE_INPUTS[variable];
      if (!values[input]) problems.push({ input, expected: `a value, since metric ${check.name} uses $${variable}` });
    }
  }
  return problems;
}

/** For `.superRefine()` on a schema that spreads `metricInputs(prefix)`. */
export function refineMetricInputs(prefix = '') {
  return (config: Record<string, unknown>, ctx: z.core.$RefinementCtx<Record<string, unknown>>) => {
    for (const { input, expected } of metricInputProblems(metricValues(config, prefix)))
      ctx.addIssue({ code: 'custom', path: [`${prefix}${input}`], message: expected });
  };
}

/**
 * Gate options for the metric checks, or undefined when none are configured.
 * `metrics-interval` falls back to the probe interval, the query timeout is the probe timeout.
 */
export function metricsOptions(
  values: MetricInputValues,
  probe: { intervalMs: number; timeoutMs: number },
): MetricsOptions | undefined {
  const url = values['prometheus-url'];
  if (!url || values.metrics.length === 0) return undefined;
  const variables = { VERSION: values.version, ENVIRONMENT: values.environment, SERVICE: values.service };
  return {
    prometheus: { url, headers: values['prometheus-headers'], timeoutMs: probe.timeoutMs },
    checks: values.metrics.map((check) => ({ ...check, query: substitute(check.query, variables) })),
    intervalMs: values['metrics-interval'] ?? probe.intervalMs,
    failureLimit: values['metrics-failure-limit'],
    inconclusive: values['metrics-inconclusive'],
  };
}
