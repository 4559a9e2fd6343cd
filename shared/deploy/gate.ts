import { formatDuration } from '../duration.js';
import { runGate, type GateResult } from '../health/gate.js';
import { gateOptions, type GateValues } from '../health/inputs.js';
import { metricsSummary } from '../health/metrics-report.js';
import type { MetricsOptions } from '../health/metrics.js';
import { info } from '../log.js';
import type { StageOutcome } from './pipeline.js';

/**
 * The gate and verify stages: the health gate on the live release, by the
 * health-gate inputs' rules. The health-gate action is `healthGate` with its
 * own report; the one-step deploy runs it after the smoke test, and again,
 * probes only, on the release a rollback returned to.
 */

export interface GateRun {
  label: string;
  url: string;
  result: GateResult;
  /** The Prometheus checks it ran, when it had some. */
  metrics?: MetricsOptions;
}

/**
 * Probe `url` until it is healthy by the rules, or the gate fails; `metrics: false` leaves the Prometheus checks out.
 */
export async function healthGate(
  values: GateValues,
  url: string,
  options: { label: string; metrics?: boolean },
): Promise<GateRun> {
  const gate = gateOptions(values, url, { log: info, metrics: options.metrics });
  info(
    `${options.label}: waiting for ${gate.method} ${url} to be healthy` +
      ` (${gate.successThreshold} consecutive passes, deadline ${formatDuration(gate.deadlineMs)})`,
  );
  return { label: options.label, url, result: await runGate(gate), metrics: gate.metrics };
}

/** The metric checks' report of a gate run, when it had some; `level` is the heading's. */
export function metricsSection(run: GateRun, level = '###'): string | undefined {
  return (
    run.result.metrics && run.metrics && metricsSummary(run.result.metrics, run.metrics).replace(/^### /, `${level} `)
  );
}

/** The gate as the one-step deploy's stages; `runs` are their reports for the summary. */
export class GateStage {
  readonly runs: GateRun[] = [];

  constructor(
    private readonly values: GateValues,
    private readonly url: string,
  ) {}

  /** After the deploy: `$VERSION` in the metric checks is the version deployed unless health-version says otherwise. */
  gate(version: string | undefined): Promise<StageOutcome> {
    return this.run({ ...this.values, version: this.values.version ?? version }, 'Health gate', true);
  }

  /** After a rollback: probes only, since the metrics would still show the bad release. */
  verify(): Promise<StageOutcome> {
    return this.run(this.values, 'Rollback verification', false);
  }

  private async run(values: GateValues, label: string, metrics: boolean): Promise<StageOutcome> {
    const run = await healthGate(values, this.url, { label, metrics });
    this.runs.push(run);
    const { result } = run;
    const p95 = result.p95 === undefined ? '' : `, p95 ${formatDuration(result.p95)}`;
    return result.healthy
      ? { ok: true, detail: `healthy after ${result.attempts} probes${p95}` }
      : { ok: false, detail: result.reason ?? 'not healthy' };
  }
}
