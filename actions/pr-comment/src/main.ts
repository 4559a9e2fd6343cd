import * as core from '@actions/core';
import { runContext } from '../../../shared/context.js';
import { UserError } from '../../../shared/errors.js';
import { pullRequestOf, postComment } from '../../../shared/github/pr-comment.js';
import { info } from '../../../shared/log.js';
import { run } from '../../../shared/run.js';
import { readConfig } from './config.js';

async function main(): Promise<void> {
  const config = readConfig();
  const ctx = runContext();
  const pullRequest = config['pull-request'] ?? pullRequestOf(ctx.event);
  if (!pullRequest)
    throw new UserError(
      'Input "pull-request": expected a pull request number (this run\'s event has none), got nothing',
    );
  if (!config['github-token'])
    throw new UserError('Input "github-token": expected a token with `pull-requests: write`, got nothing');
  const target = {
    token: config['github-token'],
    apiUrl: ctx.apiUrl,
    repository: ctx.repository,
    pullRequest,
    log: info,
  };
  const posted = await postComment(target, config.key, config.body, config['only-if-open']);
  core.setOutput('state', posted.state);
  core.setOutput('comment-id', posted.comment ? String(posted.comment.id) : '');
  core.setOutput('comment-url', posted.comment?.url ?? '');
}

await run(main);
