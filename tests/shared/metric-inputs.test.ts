import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InputError } from '../../shared/errors.js';
import {
  METRIC_INPUT_NAMES,
  metricInputs,
  metricsOptions,
  metricValues,
  refineMetricInputs,
} from '../../shared/health/metric-inputs.js';
import { parseInputs } from '../../shared/inputs.js';

/** The way `deploy` takes them: prefixed `health-`, next to its own inputs. */
const schema = z.object({ image: z.string(), ...metricInputs('health-') }).superRefine(refineMetricInputs('health-'));
const defaults: Record<string, string> = { 'health-metrics-failure-limit': '1', 'health-metrics-inconclusive': 'fail' };
const parse = (inputs: Record<string, string>) =>
  parseInputs(schema, { read: (name) => inputs[name] ?? defaults[name] ?? '', secrets: ['health-prometheus-headers'] });

describe('metric inputs, prefixed for deploy', () => {
  it('declares every input under the prefix', () => {
    expect(Object.keys(metricInputs('health-'))).toEqual(METRIC_INPUT_NAMES.map((n) => `health-${n}`));
  });

  it('turns the inputs into gate options with variables replaced and the probe interval as fallback', () => {
    const config = parse({
      'health-prometheus-url': 'https://prom.example.com/prometheus/',
      'health-prometheus-headers': 'Authorization: Bearer abc',
      'health-metrics': 'errors: sum(rate(x{version="$VERSION",env="$ENVIRONMENT",svc="${SERVICE}"}[1m])) < 1',
      'health-version': 'v7',
      'health-environment': 'prod',
      'health-service': 'shop',
    });
    expect(metricsOptions(metricValues(config, 'health-'), { intervalMs: 5000, timeoutMs: 10_000 })).toEqual({
      prometheus: {
        url: 'https://prom.example.com/prometheus/',
        headers: { Authorization: 'Bearer abc' },
        timeoutMs: 10_000,
      },
      checks: [
        { name: 'errors', query: 'sum(rate(x{version="v7",env="prod",svc="shop"}[1m]))', op: '<', threshold: 1 },
      ],
      intervalMs: 5000,
      failureLimit: 1,
      inconclusive: 'fail',
    });
  });

  it('means no metric checks when none are configured', () => {
    expect(metricsOptions(metricValues(parse({}), 'health-'), { intervalMs: 1, timeoutMs: 1 })).toBeUndefined();
  });

  it('names the prefixed input in every cross-input problem', () => {
    const error = (() => {
      try {
        parse({ 'health-metrics': 'errors: x{v="$VERSION", s="$SERVICE"} < 1' });
      } catch (e) {
        return e as InputError;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error!.problems).toEqual([
      '"health-prometheus-url": expected the http:// or https:// URL of Prometheus, since metrics are set, got nothing',
      '"health-version": expected a value, since metric errors uses $VERSION, got nothing',
      '"health-service": expected a value, since metric errors uses $SERVICE, got nothing',
    ]);
  });
});
