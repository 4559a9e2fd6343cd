import { formatDuration } from '../duration.js';
import { fence, table } from '../summary.js';
import { STAGE_TITLES, type DeployResult, type StageRecord, type StageStatus } from './pipeline.js';

const ICON: Record<StageStatus, string> = { success: '✅', failure: '❌', skipped: '⏭️' };

export const RESULT_HEADLINE: Record<DeployResult, string> = {
  success: '✅ Deployed',
  'rolled-back': '↩️ Rolled back',
  failed: '❌ Failed',
};

const duration = (r: StageRecord) => (r.status === 'skipped' ? '–' : formatDuration(r.ms));

/** One log line per stage: `Smoke test: success in 1.2s — 2 steps passed in 2 flows`. */
export function stageLine(r: StageRecord): string {
  return `${STAGE_TITLES[r.name]}: ${r.status}${r.status === 'skipped' ? '' : ` in ${formatDuration(r.ms)}`} — ${r.detail}`;
}

/** The stage table: one row per stage with its result, duration and what happened. */
export function stageTable(stages: readonly StageRecord[]): string {
  return table(
    ['Stage', 'Result', 'Duration', 'Detail'],
    stages.map((r) => [STAGE_TITLES[r.name], `${ICON[r.status]} ${r.status}`, duration(r), r.detail]),
  );
}

/**
 * A Mermaid flow of the stages coloured by result: the main line left to
 * right, the rollback branch hanging off the stage that failed. Labels hold
 * only titles and durations (no user text to escape).
 */
export function stageFlow(stages: readonly StageRecord[]): string {
  const id = (r: StageRecord) => r.name.replace(/-/g, '_');
  const main = stages.filter((r) => r.name !== 'rollback' && r.name !== 'verify-rollback');
  const failed = main.find((r) => r.status === 'failure');
  // The rollback branch is drawn when something failed; a clean run has no use for it.
  const branch = failed ? stages.filter((r) => r.name === 'rollback' || r.name === 'verify-rollback') : [];
  const lines = ['flowchart LR'];
  for (const r of [...main, ...branch]) {
    const time = r.status === 'skipped' ? 'skipped' : formatDuration(r.ms);
    lines.push(`  ${id(r)}["${STAGE_TITLES[r.name]}<br/>${ICON[r.status]} ${time}"]:::${r.status}`);
  }
  lines.push(`  ${main.map(id).join(' --> ')}`);
  if (failed && branch.length) lines.push(`  ${id(failed)} -. on failure .-> ${branch.map(id).join(' --> ')}`);
  lines.push(
    '  classDef success fill:#dcfce7,stroke:#16a34a,color:#14532d',
    '  classDef failure fill:#fee2e2,stroke:#dc2626,color:#7f1d1d',
    '  classDef skipped fill:#f3f4f6,stroke:#9ca3af,color:#6b7280,stroke-dasharray:4 3',
  );
  return fence(lines.join('\n'), 'mermaid');
}
