import { parseAssertion, type JsonAssertion } from '../assertions.js';
import {
  duration,
  fail,
  headerLines,
  integer,
  multiLine,
  optionalDuration,
  optionalText,
  singleLine,
  splitLines,
} from '../inputs.js';
import { perPrefix, withoutPrefix, withPrefix, type ValuesOf } from '../prefixed-inputs.js';
import { parseStatusSet, type StatusSet } from '../status.js';
import type { GateOptions } from './gate.js';
import { metricShape, metricsOptions } from './metric-inputs.js';

/**
 * The health gate's rules: every input of health-gate but `url` (the one-step
 * deploy derives its URL), which `deploy` takes as `health-*`. The parsed
 * values become the gate's options in one place, `gateOptions`.
 */

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const gateShape = perPrefix((prefix: string) => ({
  method: singleLine().transform((s, ctx) => {
    const m = s.trim().toUpperCase() || 'GET';
    return METHODS.includes(m) ? m : fail(ctx, `one of ${METHODS.join(', ')}`);
  }),
  headers: headerLines(),
  'expect-status': singleLine().transform(
    (s, ctx): StatusSet =>
      parseStatusSet(s.trim() || '200') ?? fail(ctx, 'statuses and ranges such as 200-299,304 or 2xx'),
  ),
  'body-contains': optionalText(),
  'json-assertions': multiLine().transform((s, ctx): JsonAssertion[] => {
    const assertions: JsonAssertion[] = [];
    for (const line of splitLines(s)) {
      const assertion = parseAssertion(line);
      if (!assertion)
        return fail(
          ctx,
          `lines "path op value" with op one of == != < <= > >= =~ (numbers for < <= > >=, a valid regex for =~); line ${JSON.stringify(line)} is not`,
        );
      assertions.push(assertion);
    }
    return assertions;
  }),
  'max-latency': optionalDuration(),
  interval: duration({ min: 0 }),
  timeout: duration({ min: 1 }),
  deadline: duration({ min: 1 }),
  'success-threshold': integer({ min: 1, max: 1000 }),
  'max-failures': integer({ min: 1, max: 1000 }),
  ...metricShape(prefix),
}));

export type GateValues = ValuesOf<ReturnType<typeof gateShape>>;

/** The gate's inputs, for a schema, named `${prefix}deadline` and so on; `${prefix}prometheus-headers` is a secret. */
export const gateInputs = <P extends string = ''>(prefix: P = '' as P) => withPrefix(prefix, gateShape(prefix));

/** The gate's values of a parsed config, under their own names. */
export const gateValues = (config: Record<string, unknown>, prefix = ''): GateValues =>
  withoutPrefix(config, prefix, gateShape(prefix));

/**
 * The gate's options from its inputs: probes of `url`, and the Prometheus
 * checks when configured (`metrics: false`: probes only).
 */
export function gateOptions(
  values: GateValues,
  url: string,
  options: { log: (line: string) => void; metrics?: boolean },
): GateOptions {
  return {
    url,
    method: values.method,
    headers: values.headers,
    expectStatus: values['expect-status'],
    bodyContains: values['body-contains'],
    jsonAssertions: values['json-assertions'],
    maxLatencyMs: values['max-latency'],
    timeoutMs: values.timeout,
    intervalMs: values.interval,
    deadlineMs: values.deadline,
    successThreshold: values['success-threshold'],
    maxFailures: values['max-failures'],
    log: options.log,
    metrics:
      options.metrics === false
        ? undefined
        : metricsOptions(values, { intervalMs: values.interval, timeoutMs: values.timeout }),
  };
}
