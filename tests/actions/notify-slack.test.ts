import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plantedCommands, repoRoot, runAction, visibleText, type ActionRun } from '../harness/runner.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.js';
import { startServer } from '../harness/server.js';

// Values as JSON.parse gives them: the tests read recorded payloads and check them with expect().
type Json = Record<string, ReturnType<typeof JSON.parse>>;

let slack: FakeSlack;
beforeEach(async () => {
  slack = await startFakeSlack({
    channels: [
      { id: 'C0DEPLOYS', name: 'deploys' },
      { id: 'C0PRIVATE', name: 'private', member: false },
    ],
  });
});
afterEach(() => slack.close());

const notify = (inputs: Record<string, string>, env: Record<string, string> = {}) =>
  runAction('notify-slack', { inputs, env, timeoutMs: 45_000 });
const viaWebhook = (inputs: Record<string, string> = {}) =>
  notify({ 'webhook-url': slack.webhookUrl, status: 'success', ...inputs });
const viaApi = (inputs: Record<string, string> = {}) =>
  notify({ token: slack.token, channel: '#deploys', 'slack-api-url': slack.apiUrl, status: 'success', ...inputs });

const header = (payload: Json): string => payload.blocks[0].text.text;
const sections = (payload: Json): Json[] =>
  (payload.attachments[0].blocks as Json[]).filter((b) => b.type === 'section');

/** A port nobody listens on: "Slack is down". */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

function expectPassedStep(run: ActionRun): void {
  expect(run.timedOut).toBe(false);
  expect(run.errors, run.stdout).toEqual([]);
  expect(run.code, run.stdout).toBe(0);
}

describe('notify-slack against the Slack test double (webhook + Web API)', () => {
  it('posts the default Block Kit message with every field, colour and a text fallback', async () => {
    const run = await viaWebhook({
      environment: 'production',
      version: '1.4.2',
      'environment-url': 'https://shop.example.com',
      message: 'Rolled out to *all* regions.',
      fields: 'Region: eu-west-1\nImage: `ghcr.io/acme/shop:1.4.2`',
    });
    expectPassedStep(run);
    expect(slack.rejected).toEqual([]);
    expect(slack.webhookPosts).toHaveLength(1);
    const payload = slack.webhookPosts[0] as Json;
    expect(header(payload)).toBe(':white_check_mark: CI · production: succeeded');
    expect(payload.blocks[0].type).toBe('header');
    expect(payload.attachments[0].color).toBe('#2EB67D');
    expect(payload.text).toContain(':white_check_mark: CI · production: succeeded');
    expect(payload.text).toContain('Rolled out to *all* regions.');
    const fields = sections(payload).flatMap((s) => (s.fields ?? []).map((f: Json) => f.text));
    expect(fields).toEqual([
      '*Repository*\n<https://github.com/acme/shop|acme/shop>',
      '*Environment*\n<https://shop.example.com|production>',
      '*Version*\n`1.4.2`',
      '*Commit*\n<https://github.com/acme/shop/commit/0123456789abcdef0123456789abcdef01234567|0123456>',
      '*Actor*\noctocat',
      '*Run*\n<https://github.com/acme/shop/actions/runs/4242|CI run>',
      '*Region*\neu-west-1',
      '*Image*\n`ghcr.io/acme/shop:1.4.2`',
    ]);
    expect(sections(payload)[0].text.text).toBe('Rolled out to *all* regions.');
    const request = slack.requests[0];
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    // Webhooks return no ts: the outputs say so rather than inventing one.
    expect(run.outputs).toEqual({ ok: 'true', ts: '', channel: '', 'thread-ts': '' });
    expect(run.summary).toContain('Posted to an incoming webhook');
    expect(run.summary).toContain('CI · production: succeeded');
  });

  it.each([
    ['started', ':rocket:', '#1D9BD1', 'started'],
    ['FAILURE', ':x:', '#E01E5A', 'failed'],
    ['cancelled', ':no_entry_sign:', '#868686', 'cancelled'],
    ['skipped', ':fast_forward:', '#DDDDDD', 'skipped'],
    ['Rolled-Back', ':leftwards_arrow_with_hook:', '#ECB22E', 'rolled back'],
  ])('status %s: emoji %s, colour %s, title says %s', async (status, emoji, color, label) => {
    const run = await viaWebhook({ status, title: '' });
    expectPassedStep(run);
    const payload = slack.webhookPosts[0] as Json;
    expect(header(payload)).toBe(`${emoji} CI: ${label}`);
    expect(payload.attachments[0].color).toBe(color);
  });

  it('posts through the Web API, then updates the same message in place (chat.update with the ts and channel outputs)', async () => {
    const started = await viaApi({ status: 'started', environment: 'production', version: '1.4.2' });
    expectPassedStep(started);
    const { ts, channel } = started.outputs;
    expect(ts).toMatch(/^\d+\.\d{6}$/);
    expect(channel).toBe('C0DEPLOYS');
    expect(started.outputs['thread-ts']).toBe(ts);
    expect(slack.requests[0].url).toBe('/api/chat.postMessage');
    expect(slack.requests[0].headers.authorization).toBe(`Bearer ${slack.token}`);

    const done = await viaApi({
      status: 'success',
      environment: 'production',
      version: '1.4.2',
      channel: channel,
      'update-ts': ts,
    });
    expectPassedStep(done);
    expect(slack.requests[1].url).toBe('/api/chat.update');
    expect(done.outputs).toMatchObject({ ok: 'true', ts, channel: 'C0DEPLOYS', 'thread-ts': ts });
    expect(slack.messages.size).toBe(1);
    const message = slack.messages.get(ts)!;
    expect(message.history).toHaveLength(2);
    expect((message.blocks![0] as Json).text.text).toBe(':white_check_mark: CI · production: succeeded');
    expect((message.attachments![0] as Json).color).toBe('#2EB67D');
    expect(done.summary).toContain('Updated to channel C0DEPLOYS');
    expect(slack.rejected).toEqual([]);
  });

  it('replies in a thread with thread-ts and reports the parent as thread-ts', async () => {
    const parent = await viaApi({ status: 'started' });
    const parentTs = parent.outputs.ts;
    const reply = await viaApi({ status: 'failure', message: 'smoke test failed', 'thread-ts': parentTs });
    expectPassedStep(reply);
    expect(reply.outputs.ts).not.toBe(parentTs);
    expect(reply.outputs['thread-ts']).toBe(parentTs);
    expect(slack.messages.get(reply.outputs.ts)!.thread_ts).toBe(parentTs);
    expect(JSON.parse(slack.requests[1].body).thread_ts).toBe(parentTs);
  });

  it('waits out a 429 Retry-After, then delivers', async () => {
    slack.fail({ rateLimit: 1 });
    const run = await viaApi();
    expectPassedStep(run);
    expect(run.outputs.ok).toBe('true');
    expect(slack.requests).toHaveLength(2);
    const gap = slack.requests[1].at - slack.requests[0].at;
    expect(gap).toBeGreaterThanOrEqual(950);
    expect(gap).toBeLessThan(5000);
    expect(run.stdout).toMatch(/Slack chat\.postMessage: status 429; retrying in 1s \(attempt 2 of 4\)/);
  });

  it('Slack down, fail-on-error false (default): warns, retries (bounded), exits 0 with ok=false', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/services/T0/B0/downSecret0123456789`;
    const run = await notify({ 'webhook-url': url, status: 'success' });
    expect(run.code).toBe(0);
    expect(run.errors).toEqual([]);
    expect(run.warnings.join('\n')).toMatch(
      /Slack incoming webhook failed after 4 attempts: ECONNREFUSED.*fail-on-error is false/,
    );
    expect(run.stdout).toMatch(/attempt 4 of 4/);
    expect(run.outputs.ok).toBe('false');
    expect(run.summary).toContain('Not delivered');
  });

  it('Slack down (503 on every attempt), fail-on-error true: fails the step naming the status', async () => {
    slack.fail({ status: 503 }, 4);
    const run = await viaApi({ 'fail-on-error': 'true' });
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/Slack chat\.postMessage gave an unexpected answer: HTTP 503/);
    expect(slack.requests).toHaveLength(4);
    expect(run.outputs.ok).toBe('false');
    expect(run.stderr + run.stdout).not.toMatch(/\n\s+at /);
  });

  it('recovers when Slack answers 502 once (retried 5xx)', async () => {
    slack.fail({ status: 502 });
    const run = await viaWebhook();
    expectPassedStep(run);
    expect(slack.requests).toHaveLength(2);
    expect(slack.webhookPosts).toHaveLength(1);
  });

  it('names a Web API error (channel_not_found) with a hint, and fails only with fail-on-error', async () => {
    const soft = await viaApi({ channel: '#nowhere' });
    expect(soft.code).toBe(0);
    expect(soft.warnings[0]).toMatch(
      /Slack chat\.postMessage refused the message: channel_not_found \(no such channel/,
    );
    expect(soft.outputs.ok).toBe('false');
    expect(slack.requests).toHaveLength(1); // Slack's refusals are not retried

    const hard = await viaApi({ channel: '#private', 'fail-on-error': 'true' });
    expect(hard.code).toBe(1);
    expect(hard.errors[0]).toMatch(/not_in_channel \(the bot is not in the channel; invite it/);

    const auth = await viaApi({ token: 'xoxb-wrong-token-000', 'fail-on-error': 'true' });
    expect(auth.errors[0]).toMatch(/invalid_auth/);
  });

  it('names a webhook error (404 no_service)', async () => {
    const run = await notify({
      'webhook-url': `${slack.url}/services/T0/B0/revokedSecret0123`,
      status: 'success',
      'fail-on-error': 'true',
    });
    expect(run.code).toBe(1);
    expect(run.errors[0]).toMatch(/HTTP 404, no_service \(the webhook URL is wrong/);
    expect(run.errors[0]).not.toContain('revokedSecret0123');
  });

  it('a Slack error whose text plants ::set-output and ::add-mask lines: reported in one annotation, nothing obeyed', async () => {
    const messages = [
      '[ERROR] missing required field: channel\n::set-output name=ok::true',
      '::add-mask::planted-mask\n##[warning]planted-warning',
    ];
    const planted = messages.join('\n');
    for (const failOnError of ['false', 'true']) {
      slack.fail({ error: 'invalid_arguments', messages });
      const api = await viaApi({ 'fail-on-error': failOnError });
      expect(api.code).toBe(failOnError === 'true' ? 1 : 0);
      expect(plantedCommands(api, planted)).toEqual([]);
      expect(api.outputs.ok).toBe('false');
      expect(api.masks.filter((m) => m.includes('planted'))).toEqual([]);
      const annotations = [...api.warnings, ...api.errors];
      expect(annotations).toHaveLength(1);
      expect(annotations[0]).toContain(
        'invalid_arguments: [ERROR] missing required field: channel\n::set-output name=ok::true; ::add-mask::planted-mask',
      );
    }

    slack.fail({ error: 'invalid_payload\n::set-output name=ok::true\n##[add-mask]planted-mask' });
    const webhook = await viaWebhook();
    expect(webhook.code).toBe(0);
    expect(plantedCommands(webhook, '::set-output name=ok::true')).toEqual([]);
    expect(webhook.outputs.ok).toBe('false');
    expect(webhook.warnings).toHaveLength(1);
  });

  it('a Web API answer redirecting to another origin is not followed: the token never goes there', async () => {
    const redirector = await startServer((req, res) => {
      res.writeHead(307, { location: `${slack.apiUrl}${(req.url ?? '/').replace(/^\/api/, '')}` });
      res.end();
    });
    try {
      const run = await viaApi({ 'slack-api-url': redirector.url, 'fail-on-error': 'true' });
      expect(run.code).toBe(1);
      expect(redirector.requests[0].headers.authorization).toBe(`Bearer ${slack.token}`);
      expect(slack.requests).toEqual([]);
      expect(run.errors.join('\n')).toContain('(status 307), another origin');
      expect(visibleText(run)).not.toContain(slack.token);
    } finally {
      await redirector.close();
    }
  });

  it('updating a message that does not exist names message_not_found', async () => {
    const run = await viaApi({ channel: 'C0DEPLOYS', 'update-ts': '1700000000.000001' });
    expect(run.code).toBe(0);
    expect(run.warnings[0]).toMatch(/Slack chat\.update refused the message: message_not_found/);
  });

  describe('mention rules', () => {
    it.each(['failure', 'cancelled', 'rolled-back'])(
      '%s carries the mention, in the message and the notification text',
      async (status) => {
        const run = await viaWebhook({ status, mention: '<!here> @channel U0123ABCD' });
        expectPassedStep(run);
        const payload = slack.webhookPosts[0] as Json;
        expect(sections(payload)[0].text.text).toBe('<!here> <!channel> <@U0123ABCD>');
        expect(payload.text.startsWith('<!here> <!channel> <@U0123ABCD> ')).toBe(true);
      },
    );

    it.each(['started', 'success', 'skipped'])('%s leaves the mention out', async (status) => {
      const run = await viaWebhook({ status, mention: '<!here>', message: 'all good' });
      expectPassedStep(run);
      const payload = slack.webhookPosts[0] as Json;
      expect(JSON.stringify(payload)).not.toContain('<!here>');
      expect(sections(payload)[0].text.text).toBe('all good');
    });
  });

  it('cuts a very long message, title and many fields to fit Slack instead of being rejected', async () => {
    const long = `Start ${'x'.repeat(9000)} <https://example.com/end|end link>`;
    const fields = Array.from({ length: 25 }, (_, i) => `Key ${i}: ${'v'.repeat(2500)}`).join('\n');
    const run = await viaApi({
      title: `T${'t'.repeat(400)}`,
      message: long,
      fields,
      environment: 'production',
      version: '1.4.2',
    });
    expectPassedStep(run);
    expect(slack.rejected).toEqual([]);
    const payload = JSON.parse(slack.requests[0].body) as Json;
    expect(header(payload).length).toBeLessThanOrEqual(150);
    expect(header(payload).endsWith('…')).toBe(true);
    const [lead, ...rest] = sections(payload);
    expect(lead.text.text.length).toBeLessThanOrEqual(3000);
    expect(lead.text.text).toMatch(/^Start x+…$/);
    const fieldSections = rest.filter((s) => s.fields);
    expect(fieldSections).toHaveLength(4); // 6 default + 25 extra fields, 10 a section
    for (const s of fieldSections) {
      expect(s.fields.length).toBeLessThanOrEqual(10);
      for (const f of s.fields) expect(f.text.length).toBeLessThanOrEqual(2000);
    }
    expect(payload.text.length).toBeLessThanOrEqual(3000);
    expect(run.outputs.ok).toBe('true');
    expect(run.stdout).toMatch(/Cut to fit Slack's limits: .*field/);
  });

  it('sends a custom payload as given (Web API adds channel), cutting what breaks the limits with a warning', async () => {
    const custom = {
      text: 'Custom deploy notice',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'H'.repeat(200) } },
        ...Array.from({ length: 60 }, (_, i) => ({ type: 'section', text: { type: 'mrkdwn', text: `line ${i}` } })),
      ],
      unfurl_links: false,
    };
    const run = await viaApi({ payload: JSON.stringify(custom), title: 'ignored' });
    expectPassedStep(run);
    expect(slack.rejected).toEqual([]);
    const sent = JSON.parse(slack.requests[0].body) as Json;
    expect(sent.channel).toBe('#deploys');
    expect(sent.unfurl_links).toBe(false);
    expect(sent.text).toBe('Custom deploy notice');
    expect(sent.blocks).toHaveLength(50);
    expect(sent.blocks[0].text.text).toHaveLength(150);
    expect(sent.blocks[49].type).toBe('context');
    expect(sent.blocks[49].elements[0].text).toContain('12 more blocks left out');
    expect(run.warnings.join('\n')).toMatch(/inputs are ignored: title/);
    expect(run.warnings.join('\n')).toMatch(/Cut to fit Slack's limits: blocks\[0\] header cut from 200 to 150/);
  });

  it('sends a custom payload to a webhook unchanged when it fits', async () => {
    const custom = { text: 'plain hello', attachments: [{ color: '#000000', text: 'legacy attachment' }] };
    const run = await viaWebhook({ payload: JSON.stringify(custom) });
    expectPassedStep(run);
    expect(slack.webhookPosts).toEqual([custom]);
    expect(run.warnings).toEqual([]);
  });

  describe('bad inputs fail with one clear error, before calling Slack', () => {
    it.each([
      [
        'no destination',
        { status: 'success' },
        /"webhook-url": expected one destination: "webhook-url", or "token" with "channel"/,
      ],
      [
        'both destinations',
        { status: 'success', 'webhook-url': 'WEBHOOK', token: 'TOKEN', channel: '#deploys' },
        /"token": expected one destination only/,
      ],
      [
        'bad status',
        { status: 'succeeded', 'webhook-url': 'WEBHOOK' },
        /"status": expected one of "started", "success", "failure", "cancelled", "skipped", "rolled-back", got "succeeded"/,
      ],
      ['missing status', { 'webhook-url': 'WEBHOOK' }, /"status": expected one of .*, got nothing/],
      [
        'token without channel',
        { status: 'success', token: 'TOKEN' },
        /"channel": expected a channel ID \(C0123ABCD\) or name, needed with "token", got nothing/,
      ],
      [
        'update-ts with a webhook',
        { status: 'success', 'webhook-url': 'WEBHOOK', 'update-ts': '1700000000.000100' },
        /"update-ts": expected nothing with "webhook-url"/,
      ],
      [
        'bad update-ts',
        { status: 'success', token: 'TOKEN', channel: 'C1', 'update-ts': 'yesterday' },
        /"update-ts": expected a Slack message timestamp/,
      ],
      [
        'payload not JSON',
        { status: 'success', 'webhook-url': 'WEBHOOK', payload: '{text: hi}' },
        /"payload": expected a JSON object .*not valid JSON/,
      ],
      [
        'bad fields',
        { status: 'success', 'webhook-url': 'WEBHOOK', fields: 'no colon here' },
        /"fields": expected lines "Key: value"/,
      ],
      [
        'webhook not a URL',
        { status: 'success', 'webhook-url': 'hooks.slack.com/services/x' },
        /"webhook-url": expected an http:\/\/ or https:\/\/ URL$/m,
      ],
    ])('%s', async (_, inputs, message) => {
      const resolved = Object.fromEntries(
        Object.entries(inputs as Record<string, string>).map(([k, v]) => [
          k,
          v === 'WEBHOOK' ? slack.webhookUrl : v === 'TOKEN' ? slack.token : v,
        ]),
      );
      const run = await notify(resolved);
      expect(run.code).toBe(1);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toMatch(message);
      expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
      expect(slack.requests).toHaveLength(0);
      expect(visibleText(run)).not.toContain(slack.token);
      expect(visibleText(run)).not.toContain('fakeWebhookSecret');
    });

    it('reports several bad inputs together', async () => {
      const run = await notify({
        status: 'nope',
        'webhook-url': slack.webhookUrl,
        'environment-url': 'shop',
        'fail-on-error': 'maybe',
      });
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toMatch(/Invalid inputs:/);
      for (const name of ['status', 'environment-url', 'fail-on-error']) expect(run.errors[0]).toContain(`"${name}"`);
      expect(run.stdout + run.stderr).not.toMatch(/^\s+at /m); // a user error, not a stack trace
    });
  });

  describe('secrets never printed', () => {
    const secretParts = () => [
      slack.webhookUrl,
      '/services/T0FAKE/B0FAKE/fakeWebhookSecret0123456789',
      'fakeWebhookSecret0123456789',
      slack.token,
    ];

    it('webhook URL masked, absent from logs, outputs and summary, on success and on failure', async () => {
      const ok = await viaWebhook({ message: 'hello' });
      slack.fail({ error: 'channel_is_archived' });
      const failed = await viaWebhook({ 'fail-on-error': 'true' });
      slack.fail({ status: 500 }, 4);
      const down = await viaWebhook();
      for (const run of [ok, failed, down]) {
        expect(run.masks).toContain(slack.webhookUrl);
        for (const part of secretParts()) expect(visibleText(run)).not.toContain(part);
      }
      expect(failed.errors[0]).toMatch(/HTTP 410, channel_is_archived/);
    });

    it('token masked, absent from logs, outputs and summary, on success and on invalid_auth', async () => {
      const ok = await viaApi();
      const bad = await viaApi({ token: 'xoxb-1111-2222-abcdefSECRET', 'fail-on-error': 'true' });
      expect(ok.masks).toContain(slack.token);
      expect(bad.masks).toContain('xoxb-1111-2222-abcdefSECRET');
      for (const part of secretParts()) expect(visibleText(ok)).not.toContain(part);
      expect(visibleText(bad)).not.toContain('abcdefSECRET');
      expect(bad.errors[0]).toMatch(/invalid_auth/);
    });
  });

  it('the bundle loads no Octokit', () => {
    const bundle = readFileSync(join(repoRoot, 'dist/notify-slack/index.js'), 'utf8');
    expect(bundle).not.toMatch(/octokit/i);
  });
});
