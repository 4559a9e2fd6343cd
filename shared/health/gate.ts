import { formatDuration } from '../duration.js';
import { sleep } from '../retry.js';
import { percentile } from '../stats.js';
import { watchMetrics, type MetricsOptions, type MetricsResult } from './metrics.js';
import { probe, type ProbeResult, type ProbeRules } from './probe.js';

export interface GateOptions extends ProbeRules {
  intervalMs: number;
  deadlineMs: number;
  successThreshold: number;
  maxFailures: number;
  /** One line per probe. */
  log: (line: string) => void;
  /** Prometheus metric checks, measured alongside the probes under the same deadline. */
  metrics?: MetricsOptions;
}

export interface GateResult {
  healthy: boolean;
  attempts: number;
  durationMs: number;
  latencies: number[];
  p50?: number;
  p95?: number;
  lastStatus?: number;
  lastFailure?: string;
  /** Why the gate failed, when it did. */
  reason?: string;
  probes: ProbeResult[];
  metrics?: MetricsResult;
}

/**
 * Probe until `successThreshold` consecutive passes (healthy), or until the
 * deadline, or, once the service has passed at least once, until
 * `maxFailures` consecutive failures (flapping). Before the first pass,
 * failures are warm-up: only the deadline ends the wait.
 */
export async function runGate(options: GateOptions): Promise<GateResult> {
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const probes: ProbeResult[] = [];
  let passes = 0;
  let failures = 0;
  let everPassed = false;
  let reason: string | undefined;
  const watch =
    options.metrics &&
    watchMetrics(options.metrics, { started, deadline, successThreshold: options.successThreshold, log: options.log });

  while (true) {
    const result = await probe(options, deadline, watch?.failed);
    // A metric failed the gate: this probe was cut short and proves nothing.
    if (watch?.failed.aborted) break;
    probes.push(result);
    const elapsed = Date.now() - started;
    if (result.ok) {
      passes++;
      failures = 0;
      everPassed = true;
    } else {
      passes = 0;
      failures++;
    }
    options.log(
      `attempt ${probes.length}: ${result.status ?? 'no response'}, ${formatDuration(result.ms)}` +
        `${result.ok ? ' ok' : ` FAIL ${result.failure}`} | passes ${passes}/${options.successThreshold}` +
        ` | elapsed ${formatDuration(elapsed)} of ${formatDuration(options.deadlineMs)}`,
    );
    if (passes >= options.successThreshold) break;
    if (everPassed && failures >= options.maxFailures) {
      reason = `${failures} consecutive failed probes after the service had passed (flapping); last: ${result.failure}`;
      break;
    }
    const now = Date.now();
    if (now >= deadline || now + options.intervalMs >= deadline) {
      const last = lastFailure(probes);
      reason = `not healthy within ${formatDuration(options.deadlineMs)} (${passes}/${options.successThreshold} consecutive passes)${last ? `; last failure: ${last}` : ''}`;
      // Wait out the deadline only when there is nothing more to learn; a probe could not fit before it.
      break;
    }
    await sleep(options.intervalMs, watch?.failed);
    if (watch?.failed.aborted) break;
  }
  const metrics = await watch?.finish(reason === undefined);
  if (metrics?.reason) reason = reason ? `${reason}; ${metrics.reason}` : metrics.reason;

  const latencies = probes.filter((p) => p.status !== undefined).map((p) => p.ms);
  return {
    healthy: reason === undefined,
    attempts: probes.length,
    durationMs: Date.now() - started,
    latencies,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    lastStatus: probes.findLast((p) => p.status !== undefined)?.status,
    lastFailure: lastFailure(probes),
    reason,
    probes,
    metrics,
  };
}

/** The most telling failure: one the endpoint caused, rather than the deadline cutting a probe short. */
function lastFailure(probes: ProbeResult[]): string | undefined {
  return (probes.findLast((p) => !p.ok && !p.cutByDeadline) ?? probes.findLast((p) => !p.ok))?.failure;
}
