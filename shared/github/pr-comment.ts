/** The pr-comment action's work: the pull request's state, then its one comment per key, and the job summary. */
import { info } from '../log.js';
import { table, writeSummary } from '../summary.js';
import { pullRequestState, upsertComment, type CommentTarget, type PostedComment } from './comment.js';

/** The pull request of a `pull_request`/`pull_request_target` event (or an issue comment on one). */
export function pullRequestOf(event: Record<string, unknown>): number | undefined {
  const pr = event.pull_request as { number?: unknown } | undefined;
  const issue = event.issue as { number?: unknown; pull_request?: unknown } | undefined;
  const n = pr?.number ?? (issue?.pull_request ? issue.number : undefined) ?? event.number;
  return typeof n === 'number' && n > 0 ? n : undefined;
}

export async function postComment(
  target: CommentTarget,
  key: string,
  body: string,
  onlyIfOpen: boolean,
): Promise<{ state: string; comment?: PostedComment }> {
  const state = await pullRequestState(target);
  const where = `pull request #${target.pullRequest}`;
  if (onlyIfOpen && state !== 'open') {
    info(`${where} is ${state}: no comment (only-if-open)`);
    await writeSummary(
      `## 💬 No comment: ${where} is ${state}`,
      table(
        ['', ''],
        [
          ['Key', key],
          ['State', state],
        ],
      ),
    );
    return { state };
  }
  const comment = await upsertComment(target, key, body);
  info(`${comment.created ? 'Posted' : 'Updated'} the ${key} comment on ${where}: ${comment.url}`);
  await writeSummary(
    `## 💬 ${comment.created ? 'Commented on' : 'Updated the comment on'} ${where}`,
    table(
      ['', ''],
      [
        ['Key', key],
        ['State', state],
        ['Comment', comment.url],
      ],
    ),
  );
  return { state, comment };
}
