/**
 * pr-comment through its bundle against the GitHub REST test double (issue
 * comments and pull requests): one comment per key, updated in place; the
 * pull request's state; nothing posted on a closed one with only-if-open.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';
import { runAction, visibleText } from '../harness/runner.js';
import { startServer } from '../harness/server.js';

const TOKEN = 'ghs_pr_comment_token_15';

describe('pr-comment (GitHub REST test double)', () => {
  let github: GitHubDouble;
  beforeAll(async () => {
    github = await startGitHubDouble({ token: TOKEN, repository: 'acme/shop' });
    github.pullRequests.set(42, { state: 'open', merged: false });
    github.pullRequests.set(43, { state: 'closed', merged: true });
  });
  afterAll(async () => {
    await github?.close();
  });

  const comment = (
    inputs: Record<string, string>,
    event: Record<string, unknown> = { number: 42, pull_request: { number: 42 } },
  ) =>
    runAction('pr-comment', {
      token: TOKEN,
      env: { GITHUB_API_URL: github.url },
      event,
      eventName: 'pull_request',
      timeoutMs: 30_000,
      inputs,
    });

  test("posts one comment for the event's pull request, then updates that same comment", async () => {
    const first = await comment({ body: 'Preview: http://pr-42.preview.test (deploying)' });
    expect(first.errors, first.stdout).toEqual([]);
    expect(first.code).toBe(0);
    expect(github.comments).toHaveLength(1);
    const [c] = github.comments;
    expect(c.issue).toBe(42);
    expect(c.body).toBe('<!-- deploy-actions:preview -->\nPreview: http://pr-42.preview.test (deploying)');
    expect(first.outputs).toMatchObject({
      state: 'open',
      'comment-id': String(c.id),
      'comment-url': `https://github.com/acme/shop/pull/42#issuecomment-${c.id}`,
    });

    // Another key is another comment; the same key again updates the first.
    expect((await comment({ body: 'Storybook: ready', key: 'storybook' })).code).toBe(0);
    const again = await comment({ body: 'Preview: http://pr-42.preview.test ✅ live' });
    expect(again.code, again.stdout).toBe(0);
    expect(github.comments).toHaveLength(2);
    expect(github.comments[0].body).toContain('✅ live');
    expect(again.outputs['comment-id']).toBe(String(c.id));
    expect(github.events.filter((e) => e.startsWith('comment'))).toEqual([
      `comment ${c.id} created`,
      `comment ${github.comments[1].id} created`,
      `comment ${c.id} updated`,
    ]);
    expect(again.summary).toContain('Updated the comment on pull request #42');
    expect(visibleText(again)).not.toContain(TOKEN);
    expect(github.problems).toEqual([]);
  });

  test('only-if-open on a closed pull request posts nothing and says it is closed; without it, the comment is updated', async () => {
    const before = github.comments.length;
    const skipped = await comment({ body: 'Preview: deploying', 'pull-request': '43', 'only-if-open': 'true' });
    expect(skipped.code, skipped.stdout).toBe(0);
    expect(skipped.outputs).toMatchObject({ state: 'closed', 'comment-id': '' });
    expect(github.comments.length).toBe(before);

    const closing = await comment({ body: 'Preview removed (pull request closed)', 'pull-request': '43' });
    expect(closing.code, closing.stdout).toBe(0);
    expect(closing.outputs.state).toBe('closed');
    expect(github.comments.at(-1)).toMatchObject({
      issue: 43,
      body: '<!-- deploy-actions:preview -->\nPreview removed (pull request closed)',
    });
    expect(github.problems).toEqual([]);
  });

  test('a GitHub API answer redirecting to another origin is not followed: the job token never goes there', async () => {
    const elsewhere = await startServer((_, res) => res.end('{}'));
    const redirector = await startServer((req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}${req.url}` });
      res.end();
    });
    try {
      const run = await runAction('pr-comment', {
        token: TOKEN,
        env: { GITHUB_API_URL: redirector.url },
        event: { number: 42, pull_request: { number: 42 } },
        eventName: 'pull_request',
        timeoutMs: 30_000,
        inputs: { body: 'Preview: http://pr-42.preview.test' },
      });
      expect(run.code).toBe(1);
      expect(redirector.requests[0].headers.authorization).toMatch(new RegExp(`^(token|Bearer) ${TOKEN}$`));
      expect(elsewhere.requests).toEqual([]);
      expect(run.errors.join('\n')).toContain(`redirected to ${elsewhere.url}/… (status 307), another origin`);
      expect(visibleText(run)).not.toContain(TOKEN);
    } finally {
      await redirector.close();
      await elsewhere.close();
    }
  });

  test('bad inputs and no pull request fail naming the input, before any request', async () => {
    const requests = github.events.length;
    const bad = await comment({ body: '', 'pull-request': 'abc', key: '-x' });
    expect(bad.code).toBe(1);
    const errors = bad.errors.join('\n');
    for (const input of ['body', 'pull-request', 'key']) expect(errors).toContain(`"${input}"`);
    const none = await comment({ body: 'hi' }, {});
    expect(none.code).toBe(1);
    expect(none.errors.join('\n')).toContain('Input "pull-request": expected a pull request number');
    expect(github.events.length).toBe(requests);
  });
});
