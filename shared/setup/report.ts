import { errorMessage } from '../errors.js';
import { fence, table, writeSummary } from '../summary.js';

/**
 * The setup job summary, built as the step goes: a row for each stage done
 * and, when one fails, that stage with its cause, so a failed run still shows
 * what was in place and why it stopped.
 */
export class SetupReport {
  private readonly rows = new Map<string, string>();
  private current = 'Inputs';

  /** The stage about to run: the one named if the step fails now. */
  start(stage: string): void {
    this.current = stage;
  }

  /** What a stage did; a later call for the same stage replaces it. */
  done(stage: string, text: string): void {
    this.rows.set(stage, text);
  }

  async write(): Promise<void> {
    await writeSummary('## Setup', table(['', ''], [...this.rows]));
  }

  /** The summary of a failed step: the error's first line in the table, the lines explaining it below. */
  async writeFailure(error: unknown): Promise<void> {
    const [headline = '', ...cause] = errorMessage(error).split('\n');
    const rows = [...this.rows].filter(([stage]) => stage !== this.current);
    await writeSummary(
      `## Setup failed: ${this.current.toLowerCase()}`,
      table(['', ''], [...rows, [this.current, `❌ ${headline}`]]),
      cause.length > 0 && fence(cause.join('\n')),
    );
  }
}
