import { describe, expect, it } from 'vitest';
import { MAX_DURATION_MS, formatDuration, parseDuration } from '../../shared/duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['30', 30_000],
    ['2.5', 2500],
    [' 2s ', 2000],
  ])('%s is %dms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'soon', '5 parsecs', '10sec', '-1s', 's', '1m30'])('%j is not a duration', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
});

describe('MAX_DURATION_MS', () => {
  it('is 6h, far below the 2^31-1 ms where Node timers overflow and fire at once', () => {
    expect(MAX_DURATION_MS).toBe(parseDuration('6h'));
    expect(MAX_DURATION_MS).toBeLessThan(2 ** 31 - 1);
    expect(parseDuration('1000000h')).toBeGreaterThan(2 ** 31 - 1);
  });
});

describe('formatDuration', () => {
  it('formats for people', () => {
    expect(formatDuration(640)).toBe('640ms');
    expect(formatDuration(10_000)).toBe('10s');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(300_000)).toBe('5m');
  });
});
