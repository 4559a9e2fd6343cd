import { table, writeSummary } from '../summary.js';

/** The setup job summary, built as the step goes: a row for each stage done. */
export class SetupReport {
  private readonly rows = new Map<string, string>();

  /** What a stage did; a later call for the same stage replaces it. */
  done(stage: string, text: string): void {
    this.rows.set(stage, text);
  }

  async write(): Promise<void> {
    await writeSummary('## Setup', table(['', ''], [...this.rows]));
  }
}
