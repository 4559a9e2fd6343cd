import { describe, expect, it } from 'vitest';
import {
  formatValue,
  judge,
  parseMetricLine,
  parseMetricLines,
  substitute,
  variablesIn,
  type MetricCheck,
} from '../../shared/health/metric-checks.js';
import { parseSampleValue } from '../../shared/health/prometheus.js';

describe('parseMetricLine', () => {
  it('reads the example from the issue', () => {
    const line =
      'error-rate: sum(rate(http_requests_total{code=~"5..",version="$VERSION"}[1m])) / sum(rate(http_requests_total{version="$VERSION"}[1m])) < 0.02';
    expect(parseMetricLine(line)).toEqual({
      name: 'error-rate',
      query:
        'sum(rate(http_requests_total{code=~"5..",version="$VERSION"}[1m])) / sum(rate(http_requests_total{version="$VERSION"}[1m]))',
      op: '<',
      threshold: 0.02,
    });
  });

  it.each([
    [
      'p95: histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) <= 0.3',
      'p95',
      'histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m])))',
      '<=',
      0.3,
    ],
    ['ready:up>=1', 'ready', 'up', '>=', 1],
    ['replicas: count(up == 1) == 3', 'replicas', 'count(up == 1)', '==', 3],
    ['no-5xx: sum(x > 0) != -1.5', 'no-5xx', 'sum(x > 0)', '!=', -1.5],
    ['rate.saturation: job:cpu:ratio > 1e-3', 'rate.saturation', 'job:cpu:ratio', '>', 0.001],
    ['  padded  :  up  <  .5  ', 'padded', 'up', '<', 0.5],
  ])('%j', (line, name, query, op, threshold) => expect(parseMetricLine(line)).toEqual({ name, query, op, threshold }));

  it.each([
    ['sum(rate(x[1m])) < 0.02', 'it does not start with a name and a colon'],
    ['error-rate: sum(rate(x[1m]))', 'it does not end with a comparison to a number'],
    ['error-rate: sum(x) < low', 'it does not end with a comparison to a number'],
    ['error-rate: < 0.02', 'it does not end with a comparison to a number'],
    ['error rate: x < 1', 'it does not start with a name and a colon'],
    ['-rate: x < 1', 'it does not start with a name and a colon'],
  ])('%j is rejected', (line, problem) =>
    expect(parseMetricLine(line)).toEqual({ problem: expect.stringContaining(problem) }),
  );
});

describe('parseMetricLines', () => {
  it('skips blank lines and comments, and numbers problems by the line as written', () => {
    const { checks, problems } = parseMetricLines(
      '# gate on errors\nerror-rate: x < 1\n\nbad line\nerror-rate: y > 2\n',
    );
    expect(checks.map((c) => c.name)).toEqual(['error-rate']);
    expect(problems).toEqual([
      'line 4 "bad line": it does not start with a name and a colon (e.g. "error-rate: ...")',
      'line 5: the name "error-rate" is used twice',
    ]);
  });
});

describe('substitute', () => {
  const values = { VERSION: 'v1.2.3', ENVIRONMENT: 'prod', SERVICE: 'shop' };
  it('replaces $VERSION, ${VERSION}, $ENVIRONMENT and $SERVICE, every occurrence', () => {
    expect(
      substitute('x{version="$VERSION",env="${ENVIRONMENT}",svc="$SERVICE"} / y{version="$VERSION"}', values),
    ).toBe('x{version="v1.2.3",env="prod",svc="shop"} / y{version="v1.2.3"}');
  });
  it('leaves other $names and longer words alone', () => {
    expect(substitute('x{a="$VERSIONS",b="$OTHER",c="$version"}', values)).toBe(
      'x{a="$VERSIONS",b="$OTHER",c="$version"}',
    );
    expect(substitute('x{v="$VERSION"}', {})).toBe('x{v="$VERSION"}');
  });
  it('lists the variables a query uses', () => {
    expect(variablesIn('a{v="$VERSION"} + b{v="${VERSION}",s="$SERVICE"}')).toEqual(['VERSION', 'SERVICE']);
    expect(variablesIn('up')).toEqual([]);
  });
});

describe('judge', () => {
  const check: MetricCheck = { name: 'error-rate', query: 'q', op: '<', threshold: 0.02 };
  const sample = (value: number, pod = 'a') => ({ labels: { pod }, value });

  it('passes and fails one value, naming value and threshold', () => {
    expect(judge(check, [{ labels: {}, value: 0.01 }])).toMatchObject({
      kind: 'pass',
      value: 0.01,
      detail: '0.01 < 0.02',
    });
    expect(judge(check, [{ labels: {}, value: 0.081234 }])).toMatchObject({
      kind: 'fail',
      value: 0.081234,
      detail: '0.08123, expected < 0.02',
    });
    expect(judge(check, [{ labels: {}, value: 0.02 }]).kind).toBe('fail');
    expect(judge({ ...check, op: '<=' }, [{ labels: {}, value: 0.02 }]).kind).toBe('pass');
  });

  it('with several series every one must hold; the worst one is named', () => {
    expect(judge(check, [sample(0.01, 'a'), sample(0.05, 'b'), sample(0.03, 'c')])).toMatchObject({
      kind: 'fail',
      value: 0.05,
      detail: '0.05 for {pod="b"}, expected < 0.02',
    });
    expect(judge(check, [sample(0.001, 'a'), sample(0.015, 'b')])).toMatchObject({ kind: 'pass', value: 0.015 });
    expect(judge({ ...check, op: '>=', threshold: 2 }, [sample(3, 'a'), sample(1, 'b')])).toMatchObject({
      kind: 'fail',
      value: 1,
    });
  });

  it('an empty result or NaN is no data; NaN beside numbers is ignored; Inf is a number', () => {
    expect(judge(check, [])).toEqual({ kind: 'no-data', detail: 'the query returned an empty result' });
    expect(judge(check, [{ labels: {}, value: NaN }])).toEqual({ kind: 'no-data', detail: 'the query returned NaN' });
    expect(judge(check, [sample(NaN, 'a'), sample(0.01, 'b')]).kind).toBe('pass');
    expect(judge(check, [{ labels: {}, value: Infinity }])).toMatchObject({
      kind: 'fail',
      detail: '+Inf, expected < 0.02',
    });
  });
});

describe('values', () => {
  it('parses what Prometheus sends', () => {
    expect(parseSampleValue('0.5')).toBe(0.5);
    expect(parseSampleValue('+Inf')).toBe(Infinity);
    expect(parseSampleValue('-Inf')).toBe(-Infinity);
    expect(parseSampleValue('NaN')).toBeNaN();
    expect(parseSampleValue(undefined)).toBeNaN();
  });
  it('formats for people', () => {
    expect(formatValue(0.09999999999999999)).toBe('0.1');
    expect(formatValue(1200)).toBe('1200');
    expect(formatValue(0.0475)).toBe('0.0475');
    expect(formatValue(-Infinity)).toBe('-Inf');
  });
});
