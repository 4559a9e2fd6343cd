import { table } from '../summary.js';
import type { SendSlackResult } from './send.js';

const VERBS = { posted: 'Posted', replied: 'Replied in thread', updated: 'Updated' } as const;

/** The notification's part of a job summary: delivered or why not, where, and what was cut. */
export function slackSummary(where: string, headline: string, result: SendSlackResult): string {
  const verdict = result.ok ? `✅ ${VERBS[result.action]} to ${where}` : `⚠️ Not delivered to ${where}`;
  const rows: [string, string][] = [
    // Slack's `<!here>`/`<@U…>` syntax would read as HTML in the summary.
    ['Message', headline.replace(/</g, '&lt;')],
    ['Result', result.ok ? VERBS[result.action].toLowerCase() : (result.error ?? 'failed')],
    ['Attempts', String(result.attempts)],
  ];
  if (result.channel) rows.push(['Channel', `\`${result.channel}\``]);
  if (result.ts) rows.push(['ts', `\`${result.ts}\``]);
  if (result.threadTs && result.threadTs !== result.ts) rows.push(['Thread', `\`${result.threadTs}\``]);
  if (result.cuts.length) rows.push(['Cut to fit Slack', result.cuts.join('; ')]);
  return `### ${verdict}\n\n${table(['', ''], rows)}`;
}
