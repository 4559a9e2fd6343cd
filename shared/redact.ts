import { mask } from './mask.js';

/**
 * Secrets known at run time. The runner masks them in the log once `mask()`
 * has told it; text we write elsewhere (job summary, outputs, report files)
 * is redacted here too. Values shorter than 3 characters are masked in the
 * log but not redacted, since replacing `1` everywhere would garble numbers.
 */
export class Redactor {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    if (!value || this.values.has(value)) return;
    mask(value);
    if (value.trim().length >= 3) this.values.add(value.trim());
  }

  redact(text: string): string {
    let result = text;
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) result = result.split(value).join('***');
    return result;
  }
}
