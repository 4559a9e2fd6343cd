import { HttpError, MAX_BODY_BYTES, formatSize, request, type RetryInfo } from '../http.js';
import { KindedError } from '../errors.js';
import { excerpt } from './probe.js';

/** One series of an instant query's answer. */
export interface Sample {
  labels: Record<string, string>;
  /** NaN and ±Inf included, as Prometheus sends them. */
  value: number;
}

/**
 * Why a query produced no value. Kept apart because a person acts differently
 * on each: `bad-query` (Prometheus rejected the PromQL), `query` (Prometheus
 * answered with an error while evaluating), `timeout` (no answer in time),
 * `unreachable` (nothing answered), `rejected` (the answer says the URL or
 * credentials are wrong), `aborted` (the gate no longer needed the answer).
 */
export type QueryErrorKind = 'bad-query' | 'query' | 'timeout' | 'unreachable' | 'rejected' | 'aborted';

export class PrometheusError extends KindedError<QueryErrorKind> {
  override readonly name = 'PrometheusError';

  /** Retrying cannot help: the query or the configuration must change. */
  get permanent(): boolean {
    return this.kind === 'bad-query' || this.kind === 'rejected';
  }
}

export interface PrometheusOptions {
  /** Base URL, e.g. `http://prometheus:9090` or one with a path prefix (`https://host/prometheus`). */
  url: string;
  headers: Record<string, string>;
  /** Per attempt; also sent as the query's own evaluation timeout. */
  timeoutMs: number;
  /** Extra attempts after a network error, 429 or 5xx. */
  retries?: number;
  onRetry?: (info: RetryInfo) => void;
}

interface ApiResponse {
  status?: string;
  errorType?: string;
  error?: string;
  warnings?: string[];
  data?: { resultType?: string; result?: unknown };
}

export interface QueryResult {
  samples: Sample[];
  warnings: string[];
}

/** Prometheus writes ±Inf and NaN as strings `Number()` only half understands. */
export function parseSampleValue(text: unknown): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return typeof text === 'string' && text.trim() !== '' ? Number(text) : NaN;
}

/**
 * An instant query through `/api/v1/query` (the Prometheus HTTP API, also
 * served by Thanos, Mimir, VictoriaMetrics and Grafana Cloud). Resolves with
 * the samples (an empty list when nothing matched); rejects with a
 * PrometheusError saying which kind of problem it was.
 */
export async function queryPrometheus(
  options: PrometheusOptions,
  query: string,
  limits: { deadline?: number; signal?: AbortSignal } = {},
): Promise<QueryResult> {
  const base = options.url.replace(/\/+$/, '');
  const params = new URLSearchParams({ query, timeout: `${Math.max(1, Math.round(options.timeoutMs))}ms` });
  const url = `${base}/api/v1/query?${params.toString()}`;
  let response;
  try {
    response = await request({
      url,
      headers: { accept: 'application/json', ...options.headers },
      timeoutMs: options.timeoutMs,
      retries: options.retries ?? 2,
      baseDelayMs: 250,
      deadline: limits.deadline,
      signal: limits.signal,
      onRetry: options.onRetry,
    });
  } catch (error) {
    const e = error as HttpError;
    if (e.kind === 'aborted') throw new PrometheusError('aborted', 'aborted');
    if (e.kind === 'cross-origin' || e.kind === 'redirect')
      throw new PrometheusError(`Prometheus at ${base}: ${e.message}; check prometheus-url`, 'rejected');
    if (e.kind === 'network' || e.lastAttempt === 'network')
      throw new PrometheusError(`Prometheus at ${base} is unreachable: ${e.message}`, 'unreachable');
    throw new PrometheusError(`Prometheus at ${base} did not answer: ${e.message}`, 'timeout');
  }

  if (response.truncated && response.status < 300)
    throw new PrometheusError(
      `the answer of Prometheus at ${base} is larger than ${formatSize(MAX_BODY_BYTES)}: aggregate the query (sum by, topk) so it returns fewer series`,
      'bad-query',
    );
  let body: ApiResponse | undefined;
  try {
    body = JSON.parse(response.body) as ApiResponse;
  } catch {
    body = undefined;
  }
  const status = response.status;
  if (body?.status === 'error' || status >= 400) {
    const detail = body?.error
      ? `${body.errorType ? `${body.errorType}: ` : ''}${body.error}`
      : `status ${status} (got ${excerpt(response.body)})`;
    if (status === 401 || status === 403)
      throw new PrometheusError(
        `Prometheus at ${base} refused the credentials (status ${status}); check prometheus-headers`,
        'rejected',
      );
    if (status === 404)
      throw new PrometheusError(
        `no Prometheus API at ${base} (status 404 for /api/v1/query); check prometheus-url`,
        'rejected',
      );
    if (body?.errorType === 'bad_data')
      throw new PrometheusError(`Prometheus rejected the query: ${body.error}`, 'bad-query');
    if (body?.errorType === 'timeout' || status === 504)
      throw new PrometheusError(`the query timed out in Prometheus (${detail})`, 'timeout');
    throw new PrometheusError(`Prometheus could not evaluate the query: ${detail}`, 'query');
  }
  if (body?.status !== 'success' || !body.data) {
    throw new PrometheusError(
      `${base} did not answer like the Prometheus API (status ${status}, got ${excerpt(response.body)}); check prometheus-url`,
      'rejected',
    );
  }
  return { samples: samplesOf(body.data), warnings: body.warnings ?? [] };
}

function samplesOf(data: NonNullable<ApiResponse['data']>): Sample[] {
  const { resultType, result } = data;
  if (resultType === 'scalar') return [{ labels: {}, value: parseSampleValue((result as [number, string])[1]) }];
  if (resultType === 'vector') {
    return (result as { metric?: Record<string, string>; value?: [number, string] }[]).map((r) => ({
      labels: r.metric ?? {},
      value: parseSampleValue(r.value?.[1]),
    }));
  }
  // A range vector (`x[5m]`) or a string cannot be compared with a number: the query must change.
  const hint =
    resultType === 'matrix'
      ? ' (a range vector: wrap it in a function such as rate(), avg_over_time() or max_over_time())'
      : '';
  throw new PrometheusError(
    `the query returns a ${resultType}${hint}; it must return one number (a scalar or an instant vector)`,
    'bad-query',
  );
}
