const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The longest wait any input may ask for: a GitHub-hosted job ends after 6 h,
 * and Node's timers overflow past 2^31-1 ms (~24.8 days), firing at once.
 */
export const MAX_DURATION_MS = 6 * 3_600_000;

/**
 * `500ms`, `10s`, `5m`, `1h`, `1m30s` or bare seconds (`30`, `2.5`) to
 * milliseconds. Returns undefined for anything else so the caller can say
 * which input was wrong.
 */
export function parseDuration(text: string): number | undefined {
  const value = text.trim().toLowerCase();
  if (value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) return undefined;
  return Math.round(parts.reduce((total, [, n, unit]) => total + Number(n) * UNITS[unit], 0));
}

/** 640 → `640ms`, 12_000 → `12s`, 90_000 → `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) {
    const s = ms / 1000;
    return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
  }
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes}m${seconds}s` : `${minutes}m`;
}
