import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callWebApi, SlackError } from '../../shared/slack/client.js';
import { buildMessage } from '../../shared/slack/message.js';
import { sendSlack } from '../../shared/slack/send.js';
import { runContext } from '../../shared/context.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.js';
import { startServer } from '../harness/server.js';

let slack: FakeSlack;
beforeEach(async () => {
  slack = await startFakeSlack();
});
afterEach(() => slack.close());

const api = (extra: Record<string, unknown> = {}) => ({
  token: slack.token,
  channel: 'C0DEPLOYS',
  apiUrl: slack.apiUrl,
  ...extra,
});
const context = runContext({
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_SHA: 'abc1234def',
  GITHUB_RUN_ID: '5',
  GITHUB_WORKFLOW: 'Deploy',
});

describe('sendSlack against the Slack test double', () => {
  it('the deploy flow: post "started", update it in place with stage results, reply in its thread', async () => {
    const started = await sendSlack({
      destination: api(),
      message: buildMessage(
        { status: 'started', environment: 'prod', stages: [{ name: 'build', status: 'running' }] },
        context,
      ),
    });
    expect(started).toMatchObject({ ok: true, action: 'posted', channel: 'C0DEPLOYS', attempts: 1, cuts: [] });
    expect(started.threadTs).toBe(started.ts);

    const done = await sendSlack({
      destination: api({ channel: started.channel, updateTs: started.ts }),
      message: buildMessage(
        { status: 'success', environment: 'prod', stages: [{ name: 'build', status: 'success', durationMs: 1000 }] },
        context,
      ),
    });
    expect(done).toMatchObject({ ok: true, action: 'updated', ts: started.ts, threadTs: started.ts });
    const reply = await sendSlack({
      destination: api({ threadTs: started.threadTs }),
      message: { text: 'details in thread' },
    });
    expect(reply).toMatchObject({ ok: true, action: 'replied', threadTs: started.ts });
    expect(slack.messages.get(started.ts!)!.history).toHaveLength(2);
    expect(JSON.stringify(slack.messages.get(started.ts!)!.blocks)).toContain('succeeded');
    expect(slack.rejected).toEqual([]);
  });

  it('an update without attachments clears the old ones (chat.update keeps them otherwise)', async () => {
    const first = await sendSlack({ destination: api(), message: buildMessage({ status: 'started' }, context) });
    await sendSlack({ destination: api({ updateTs: first.ts }), message: { text: 'plain now' } });
    expect(JSON.parse(slack.requests[1].body).attachments).toEqual([]);
    expect(slack.messages.get(first.ts!)!.attachments).toEqual([]);
  });

  it('cuts a request that hangs at the per-request timeout, then retries, within bounds', async () => {
    slack.fail({ hang: true }, 2);
    const started = Date.now();
    const result = await sendSlack({ destination: api(), message: { text: 'hi' }, timeoutMs: 200, retries: 1 });
    expect(result).toMatchObject({ ok: false, code: 'timeout', attempts: 2 });
    expect(result.error).toBe('Slack chat.postMessage failed after 2 attempts: timed out after 200ms');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('does not wait out a Retry-After longer than its deadline', async () => {
    slack.fail({ rateLimit: 120 });
    const started = Date.now();
    const lines: string[] = [];
    const result = await sendSlack({
      destination: api(),
      message: { text: 'hi' },
      deadlineMs: 2000,
      log: (l) => lines.push(l),
    });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(result).toMatchObject({ ok: false, code: 'ratelimited', attempts: 1 });
    expect(result.error).toMatch(/rate-limited \(HTTP 429, ratelimited .*\); Slack asked to retry after 2m/);
    expect(lines).toEqual([]);
  });

  it('a webhook post has no ts or channel', async () => {
    const result = await sendSlack({
      destination: { webhookUrl: slack.webhookUrl },
      message: buildMessage({ status: 'success' }, context),
    });
    expect(result).toEqual({ ok: true, action: 'posted', attempts: 1, cuts: [] });
  });

  it("reports Slack's own explanation of invalid_blocks (json-pointer lines)", async () => {
    const error = await callWebApi(slack.apiUrl, 'chat.postMessage', slack.token, {
      channel: 'C0DEPLOYS',
      blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackError);
    expect((error as SlackError).code).toBe('invalid_blocks');
    expect((error as SlackError).message).toContain(
      'must be less than 151 characters [json-pointer:/blocks/0/text/text]',
    );
  });

  it('a non-JSON answer (a proxy error page) is named with its status', async () => {
    slack.fail({ status: 418 });
    const result = await sendSlack({ destination: api(), message: { text: 'hi' } });
    expect(result.error).toMatch(/unexpected answer: HTTP 418, "<html>/);
    expect(result.code).toBe('http_418');
  });
  it('never takes the bot token through a redirect to another origin (a proxy in front of the API redirecting away)', async () => {
    const elsewhere = await startServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    );
    const front = await startServer((req, res) => res.writeHead(307, { location: `${elsewhere.url}${req.url}` }).end());
    try {
      const result = await sendSlack({ destination: api({ apiUrl: `${front.url}/api` }), message: { text: 'hi' } });
      expect(result).toMatchObject({ ok: false, code: 'cross-origin', attempts: 1 });
      expect(result.error).toBe(
        `Slack chat.postMessage failed: redirected to ${elsewhere.url}/… (status 307), another origin: not followed, the request and its headers go only to ${front.url}`,
      );
      expect(front.requests[0].headers.authorization).toBe(`Bearer ${slack.token}`);
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await front.close();
      await elsewhere.close();
    }
  });
});
