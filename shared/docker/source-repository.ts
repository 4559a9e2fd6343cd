import type { RunContext } from '../context.js';
import { errorMessage } from '../errors.js';
import { getRepository, type RepositoryMetadata } from '../github/repository.js';

/**
 * Events whose run is on the default branch's latest commit: their
 * GITHUB_REF is the default branch (docs.github.com, "Events that trigger
 * workflows"). `schedule`'s payload has no `repository` to say so.
 */
const ON_DEFAULT_BRANCH = new Set([
  'branch_protection_rule',
  'check_run',
  'check_suite',
  'delete',
  'discussion',
  'discussion_comment',
  'fork',
  'gollum',
  'issue_comment',
  'issues',
  'label',
  'milestone',
  'page_build',
  'project',
  'project_card',
  'project_column',
  'public',
  'repository_dispatch',
  'schedule',
  'status',
  'watch',
  'workflow_run',
]);

export interface SourceRepository {
  /** What the labels describe (name, description, URL, licence); empty when nothing could be read. */
  metadata: RepositoryMetadata;
  /** Undefined when unknown: the tag rules then take `main`. */
  defaultBranch?: string;
  /** Where it came from, for the log. */
  from: 'event' | 'api' | 'ref' | 'none';
  /** Set when something had to be assumed: worth a warning. */
  warning?: string;
}

/**
 * The repository the image is built from: from the event when its payload
 * describes it (push, pull_request, release, workflow_dispatch…), else from
 * the GitHub API (a `schedule` payload has no `repository`), else what the
 * event tells anyway (events on the default branch run on it) with a warning.
 */
export async function sourceRepository(
  ctx: RunContext,
  token: string,
  log: (line: string) => void,
): Promise<SourceRepository> {
  const event = (ctx.event as { repository?: RepositoryMetadata }).repository;
  if (event && typeof event.default_branch === 'string')
    return { metadata: event, defaultBranch: event.default_branch, from: 'event' };

  let reason: string;
  if (!token) reason = 'github-token is empty';
  else if (!ctx.repository) reason = 'GITHUB_REPOSITORY is not set';
  else {
    try {
      const metadata = await getRepository({ token, apiUrl: ctx.apiUrl, repository: ctx.repository, log });
      log(
        `The ${ctx.eventName} event does not describe the repository: read ${ctx.repository} from the GitHub API (default branch ${metadata.default_branch ?? 'not given'})`,
      );
      return { metadata, defaultBranch: metadata.default_branch, from: 'api' };
    } catch (error) {
      reason = errorMessage(error);
    }
  }
  const branch =
    ON_DEFAULT_BRANCH.has(ctx.eventName) && ctx.ref.startsWith('refs/heads/')
      ? ctx.ref.slice('refs/heads/'.length)
      : undefined;
  const assumed = branch
    ? `the default branch is ${branch}, as ${ctx.eventName} runs on it`
    : 'the "latest" rule takes the default branch to be main';
  return {
    metadata: {},
    defaultBranch: branch,
    from: branch ? 'ref' : 'none',
    warning: `The ${ctx.eventName || 'triggering'} event does not describe the repository and the GitHub API could not be read (${reason}): ${assumed}; the description and licence labels are left empty.`,
  };
}
