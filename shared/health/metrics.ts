import { formatDuration } from '../duration.js';
import { sleep } from '../retry.js';
import { describeCondition, judge, type MetricCheck } from './metric-checks.js';
import { PrometheusError, queryPrometheus, type PrometheusOptions, type QueryErrorKind } from './prometheus.js';

export interface MetricsOptions {
  prometheus: PrometheusOptions;
  /** Checks with $VERSION/$ENVIRONMENT/$SERVICE already substituted. */
  checks: MetricCheck[];
  intervalMs: number;
  /** Failed measurements of one metric that fail the gate. */
  failureLimit: number;
  /** What an empty result or NaN counts as: `fail` = never a pass, `pass` = a pass. */
  inconclusive: 'fail' | 'pass';
}

export interface Measurement {
  /** Since the gate started. */
  atMs: number;
  kind: 'pass' | 'fail' | 'no-data' | 'error';
  value?: number;
  /** `0.08123, expected < 0.02`, `the query returned an empty result`, or the error. */
  detail: string;
  errorKind?: QueryErrorKind;
}

export interface MetricStatus {
  check: MetricCheck;
  measurements: Measurement[];
  /** Current run of consecutive passes. */
  passes: number;
  failures: number;
  errors: number;
  /** Reached success-threshold consecutive passes (it stays measured, and a later failure still counts). */
  satisfied: boolean;
}

export interface MetricsResult {
  passed: boolean;
  /** Why the metrics failed the gate, when they did. */
  reason?: string;
  metrics: MetricStatus[];
}

export interface GateClock {
  started: number;
  deadline: number;
  successThreshold: number;
  log: (line: string) => void;
}

export interface MetricsWatch {
  /** Aborted the moment a metric fails the gate: whatever else the gate does can stop. */
  failed: AbortSignal;
  /**
   * The HTTP probes are done. When they passed, keep measuring until every
   * metric is satisfied (or one fails, or the deadline); otherwise stop now.
   */
  finish(probesPassed: boolean): Promise<MetricsResult>;
}

/**
 * Measure every metric each interval, alongside the probes and under the same
 * deadline. A measurement is a pass, a failure (condition false), no data
 * (empty or NaN, counted per `inconclusive`) or an error (query error,
 * timeout, Prometheus unreachable), which is retried at the next interval and
 * never counted as a failure. Errors that retrying cannot fix (rejected
 * PromQL, wrong URL or credentials) fail the gate at once.
 */
export function watchMetrics(options: MetricsOptions, gate: GateClock): MetricsWatch {
  const failed = new AbortController();
  const stop = new AbortController();
  const probesDone = new AbortController();
  let probesPassed = false;
  const statuses: MetricStatus[] = options.checks.map((check) => ({ check, measurements: [], passes: 0, failures: 0, errors: 0, satisfied: false }));
  const elapsed = () => `elapsed ${formatDuration(Date.now() - gate.started)} of ${formatDuration(gate.deadline - gate.started)}`;

  async function measure(status: MetricStatus, atMs: number): Promise<string | undefined> {
    const { check } = status;
    let measurement: Measurement;
    try {
      const { samples, warnings } = await queryPrometheus(options.prometheus, check.query, { deadline: gate.deadline, signal: stop.signal });
      for (const warning of warnings) gate.log(`metric ${check.name}: Prometheus warns: ${warning}`);
      measurement = { atMs, ...judge(check, samples) };
    } catch (error) {
      if (!(error instanceof PrometheusError)) throw error;
      // Cut short by the gate itself (probes failed, or the deadline): nothing was learned about the metric.
      if (error.kind === 'aborted' || Date.now() >= gate.deadline) return undefined;
      measurement = { atMs, kind: 'error', detail: error.message, errorKind: error.kind };
      if (error.permanent) {
        status.measurements.push(measurement);
        status.errors++;
        gate.log(`metric ${check.name}: QUERY ERROR ${error.message} (retrying cannot help)`);
        return `metric ${check.name}: ${error.message} (query: ${check.query})`;
      }
    }
    status.measurements.push(measurement);
    const counted = measurement.kind === 'no-data' && options.inconclusive === 'pass' ? 'pass' : measurement.kind;
    if (counted === 'pass') status.passes++;
    else status.passes = 0;
    if (counted === 'fail') status.failures++;
    if (counted === 'error') status.errors++;
    if (status.passes >= gate.successThreshold) status.satisfied = true;

    const word =
      measurement.kind === 'pass'
        ? `${measurement.detail} ok`
        : measurement.kind === 'fail'
          ? `FAIL ${measurement.detail}`
          : measurement.kind === 'no-data'
            ? `NO DATA ${measurement.detail} (metrics-inconclusive: ${options.inconclusive})`
            : `QUERY ERROR ${measurement.detail} (retrying in ${formatDuration(options.intervalMs)})`;
    gate.log(
      `metric ${check.name}: ${word} | passes ${Math.min(status.passes, gate.successThreshold)}/${gate.successThreshold}` +
        `${status.satisfied ? ' (met)' : ''} | failures ${status.failures}/${options.failureLimit} | ${elapsed()}`,
    );
    if (status.failures >= options.failureLimit) {
      return `metric ${check.name} failed ${status.failures} measurement${status.failures === 1 ? '' : 's'} (metrics-failure-limit ${options.failureLimit}): ${measurement.detail}`;
    }
    return undefined;
  }

  /** Why each unsatisfied metric is not, when time ran out. */
  function unsatisfied(): string | undefined {
    const open = statuses.filter((s) => !s.satisfied);
    if (open.length === 0) return undefined;
    return open
      .map((s) => {
        const last = s.measurements.findLast((m) => m.kind !== 'pass');
        const what = !last ? 'not measured' : last.kind === 'error' ? `last query error: ${last.detail}` : last.kind === 'no-data' ? `no data: ${last.detail}` : `last failure: ${last.detail}`;
        return `metric ${s.check.name} (${describeCondition(s.check)}) had ${s.passes}/${gate.successThreshold} consecutive passes within ${formatDuration(gate.deadline - gate.started)}; ${what}`;
      })
      .join('; ');
  }

  async function loop(): Promise<string | undefined> {
    while (true) {
      const atMs = Date.now() - gate.started;
      const reasons = await Promise.all(statuses.map((s) => measure(s, atMs)));
      const reason = reasons.find((r) => r !== undefined);
      if (reason) {
        failed.abort();
        return reason;
      }
      if (stop.signal.aborted) return Date.now() + options.intervalMs >= gate.deadline ? unsatisfied() : undefined;
      const allSatisfied = statuses.every((s) => s.satisfied);
      if (allSatisfied && probesPassed) return undefined;
      if (Date.now() + options.intervalMs >= gate.deadline) return unsatisfied();
      const wakeAt = Date.now() + options.intervalMs;
      // Once every metric is satisfied, the probes passing ends the wait at once.
      await sleep(options.intervalMs, allSatisfied ? AbortSignal.any([stop.signal, probesDone.signal]) : stop.signal);
      if (stop.signal.aborted) return Date.now() + options.intervalMs >= gate.deadline ? unsatisfied() : undefined;
      if (probesPassed && allSatisfied) return undefined;
      await sleep(wakeAt - Date.now(), stop.signal);
    }
  }

  gate.log(
    `Measuring ${statuses.length} metric${statuses.length === 1 ? '' : 's'} from ${options.prometheus.url} every ${formatDuration(options.intervalMs)} ` +
      `(${gate.successThreshold} consecutive passes each; ${options.failureLimit === 1 ? '1 failed measurement fails' : `${options.failureLimit} failed measurements fail`} the gate):`,
  );
  for (const { check } of statuses) gate.log(`  ${check.name}: ${check.query} ${describeCondition(check)}`);
  const running = loop();
  // Awaited in finish(); this only keeps an early rejection from counting as unhandled meanwhile.
  running.catch(() => undefined);
  return {
    failed: failed.signal,
    async finish(passed: boolean) {
      probesPassed = passed;
      if (passed) probesDone.abort();
      else stop.abort();
      const reason = await running;
      return { passed: reason === undefined && statuses.every((s) => s.satisfied), reason, metrics: statuses };
    },
  };
}
