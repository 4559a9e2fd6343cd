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
  return new MetricsWatcher(options, gate).start();
}

/** A query's measurement; `permanent`: an error that retrying cannot fix. */
interface Queried {
  measurement: Measurement;
  permanent?: boolean;
}

class MetricsWatcher {
  private readonly failed = new AbortController();
  private readonly stop = new AbortController();
  private readonly probesDone = new AbortController();
  private probesPassed = false;
  private readonly statuses: MetricStatus[];

  constructor(
    private readonly options: MetricsOptions,
    private readonly gate: GateClock,
  ) {
    this.statuses = options.checks.map((check) => ({
      check,
      measurements: [],
      passes: 0,
      failures: 0,
      errors: 0,
      satisfied: false,
    }));
  }

  start(): MetricsWatch {
    this.announce();
    const running = this.loop();
    // Awaited in finish(); this only keeps an early rejection from counting as unhandled meanwhile.
    running.catch(() => undefined);
    return {
      failed: this.failed.signal,
      finish: async (passed: boolean) => {
        this.probesPassed = passed;
        if (passed) this.probesDone.abort();
        else this.stop.abort();
        const reason = await running;
        return { passed: reason === undefined && this.allSatisfied(), reason, metrics: this.statuses };
      },
    };
  }

  /** Measure every interval until a metric fails, every one is met once the probes passed, or time is up. */
  private async loop(): Promise<string | undefined> {
    const { intervalMs } = this.options;
    while (true) {
      const reason = await this.measureAll();
      if (reason) {
        this.failed.abort();
        return reason;
      }
      if (this.stop.signal.aborted) return this.stopped();
      const allSatisfied = this.allSatisfied();
      if (allSatisfied && this.probesPassed) return undefined;
      if (Date.now() + intervalMs >= this.gate.deadline) return this.unsatisfied();
      const wakeAt = Date.now() + intervalMs;
      // Once every metric is satisfied, the probes passing ends the wait at once.
      await sleep(
        intervalMs,
        allSatisfied ? AbortSignal.any([this.stop.signal, this.probesDone.signal]) : this.stop.signal,
      );
      if (this.stop.signal.aborted) return this.stopped();
      if (this.probesPassed && allSatisfied) return undefined;
      await sleep(wakeAt - Date.now(), this.stop.signal);
    }
  }

  /** One measurement of every metric, at once: the first reason one failed the gate, if any did. */
  private async measureAll(): Promise<string | undefined> {
    const atMs = Date.now() - this.gate.started;
    const reasons = await Promise.all(this.statuses.map((s) => this.measure(s, atMs)));
    return reasons.find((r) => r !== undefined);
  }

  /** Measure one metric, count and log it: why it failed the gate, when it did. */
  private async measure(status: MetricStatus, atMs: number): Promise<string | undefined> {
    const { check } = status;
    const queried = await this.query(check, atMs);
    if (!queried) return undefined;
    const { measurement, permanent } = queried;
    status.measurements.push(measurement);
    if (permanent) {
      status.errors++;
      this.gate.log(`metric ${check.name}: QUERY ERROR ${measurement.detail} (retrying cannot help)`);
      return `metric ${check.name}: ${measurement.detail} (query: ${check.query})`;
    }
    this.count(status, measurement);
    this.gate.log(this.progressLine(status, measurement));
    const { failures } = status;
    if (failures < this.options.failureLimit) return undefined;
    return `metric ${check.name} failed ${failures} measurement${failures === 1 ? '' : 's'} (metrics-failure-limit ${this.options.failureLimit}): ${measurement.detail}`;
  }

  /**
   * One query, judged; undefined when the gate itself cut it short (probes failed, or the deadline): nothing was
   * learnt.
   */
  private async query(check: MetricCheck, atMs: number): Promise<Queried | undefined> {
    try {
      const { samples, warnings } = await queryPrometheus(this.options.prometheus, check.query, {
        deadline: this.gate.deadline,
        signal: this.stop.signal,
      });
      for (const warning of warnings) this.gate.log(`metric ${check.name}: Prometheus warns: ${warning}`);
      return { measurement: { atMs, ...judge(check, samples) } };
    } catch (error) {
      if (!(error instanceof PrometheusError)) throw error;
      if (error.kind === 'aborted' || Date.now() >= this.gate.deadline) return undefined;
      return {
        measurement: { atMs, kind: 'error', detail: error.message, errorKind: error.kind },
        permanent: error.permanent,
      };
    }
  }

  private count(status: MetricStatus, measurement: Measurement): void {
    const counted = measurement.kind === 'no-data' && this.options.inconclusive === 'pass' ? 'pass' : measurement.kind;
    if (counted === 'pass') status.passes++;
    else status.passes = 0;
    if (counted === 'fail') status.failures++;
    if (counted === 'error') status.errors++;
    if (status.passes >= this.gate.successThreshold) status.satisfied = true;
  }

  private progressLine(status: MetricStatus, m: Measurement): string {
    const { inconclusive, intervalMs, failureLimit } = this.options;
    const { successThreshold } = this.gate;
    const word =
      m.kind === 'pass'
        ? `${m.detail} ok`
        : m.kind === 'fail'
          ? `FAIL ${m.detail}`
          : m.kind === 'no-data'
            ? `NO DATA ${m.detail} (metrics-inconclusive: ${inconclusive})`
            : `QUERY ERROR ${m.detail} (retrying in ${formatDuration(intervalMs)})`;
    return (
      `metric ${status.check.name}: ${word} | passes ${Math.min(status.passes, successThreshold)}/${successThreshold}` +
      `${status.satisfied ? ' (met)' : ''} | failures ${status.failures}/${failureLimit} | ${this.elapsed()}`
    );
  }

  private allSatisfied(): boolean {
    return this.statuses.every((s) => s.satisfied);
  }

  /**
   * Stopped early (probes failed, or finished): unmet metrics count only once no measurement fits before the deadline.
   */
  private stopped(): string | undefined {
    return Date.now() + this.options.intervalMs >= this.gate.deadline ? this.unsatisfied() : undefined;
  }

  /** Why each unsatisfied metric is not, when time ran out. */
  private unsatisfied(): string | undefined {
    const open = this.statuses.filter((s) => !s.satisfied);
    if (open.length === 0) return undefined;
    const window = formatDuration(this.gate.deadline - this.gate.started);
    return open
      .map((s) => {
        const last = s.measurements.findLast((m) => m.kind !== 'pass');
        const what = !last
          ? 'not measured'
          : last.kind === 'error'
            ? `last query error: ${last.detail}`
            : last.kind === 'no-data'
              ? `no data: ${last.detail}`
              : `last failure: ${last.detail}`;
        return `metric ${s.check.name} (${describeCondition(s.check)}) had ${s.passes}/${this.gate.successThreshold} consecutive passes within ${window}; ${what}`;
      })
      .join('; ');
  }

  private elapsed(): string {
    return `elapsed ${formatDuration(Date.now() - this.gate.started)} of ${formatDuration(this.gate.deadline - this.gate.started)}`;
  }

  private announce(): void {
    const { statuses, options, gate } = this;
    const failing =
      options.failureLimit === 1 ? '1 failed measurement fails' : `${options.failureLimit} failed measurements fail`;
    gate.log(
      `Measuring ${statuses.length} metric${statuses.length === 1 ? '' : 's'} from ${options.prometheus.url} every ${formatDuration(options.intervalMs)} ` +
        `(${gate.successThreshold} consecutive passes each; ${failing} the gate):`,
    );
    for (const { check } of statuses) gate.log(`  ${check.name}: ${check.query} ${describeCondition(check)}`);
  }
}
