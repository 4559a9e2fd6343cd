import { backoffDelay, sleep } from '../retry.js';

/** Refusals that another attempt cannot fix: wrong credentials, no permission. */
const REFUSED =
  /\b401\b|\b403\b|unauthori[sz]ed|denied|forbidden|incorrect username or password|authentication required|no basic auth credentials/i;
/** Failures worth another attempt: the network or the registry's own trouble (5xx, rate limit). */
const TRANSIENT =
  /\b5\d\d\b|\b429\b|too many requests|connection refused|connection reset|broken pipe|i\/o timeout|timeout|timed out|\bEOF\b|TLS handshake|temporary failure|no such host|server misbehaving|network is unreachable|service unavailable|bad gateway/i;

export function isRefused(output: string): boolean {
  return REFUSED.test(output);
}

export function isTransient(output: string): boolean {
  return !isRefused(output) && TRANSIENT.test(output);
}

export interface RetryOptions {
  attempts: number;
  baseDelayMs?: number;
  /** Called before each retry with what failed. */
  onRetry?: (attempt: number, of: number, delayMs: number, output: string) => void;
}

export type Attempt = { ok: true } | { ok: false; output: string };

/**
 * Run a docker command until it succeeds, retrying only transient failures,
 * at most `attempts` times. Resolves with the last attempt.
 */
export async function retryTransient(
  run: () => Promise<Attempt>,
  options: RetryOptions,
): Promise<Attempt & { attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    const result = await run();
    if (result.ok || attempt >= options.attempts || !isTransient(result.output))
      return { ...result, attempts: attempt };
    const delayMs = backoffDelay(attempt, options.baseDelayMs ?? 1000, 10_000);
    options.onRetry?.(attempt, options.attempts, delayMs, result.output);
    await sleep(delayMs);
  }
}
