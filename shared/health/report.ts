import { formatDuration } from '../duration.js';
import { table } from '../summary.js';
import type { GateResult } from './gate.js';

const ms = (value: number | undefined) => (value === undefined ? '–' : formatDuration(value));

/** The health gate's part of a job summary: verdict, attempts, latency, last failure. */
export function gateSummary(url: string, result: GateResult): string {
  const verdict = result.healthy ? '✅ Healthy' : '❌ Not healthy';
  const rows: [string, string][] = [
    ['Endpoint', `\`${url}\``],
    ['Verdict', result.healthy ? 'healthy' : `not healthy: ${result.reason}`],
    ['Attempts', String(result.attempts)],
    ['Duration', ms(result.durationMs)],
    ['Latency p50 / p95', `${ms(result.p50)} / ${ms(result.p95)}`],
    ['Last status', String(result.lastStatus ?? '–')],
    ['Last failure', result.lastFailure ?? '–'],
  ];
  return `### ${verdict}\n\n${table(['', ''], rows)}`;
}
