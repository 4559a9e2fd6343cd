import { describe, expect, it } from 'vitest';
import { runContext } from '../../shared/context.js';
import { fitMessage, LIMITS, truncate } from '../../shared/slack/limits.js';
import {
  buildMessage,
  escapeMrkdwn,
  normalizeMention,
  SLACK_STATUSES,
  STATUS_STYLE,
  type DeployMessage,
} from '../../shared/slack/message.js';
import { validatePayload } from '../fakes/slack.js';

// Values as JSON.parse gives them: the tests read recorded payloads and check them with expect().
type Json = Record<string, ReturnType<typeof JSON.parse>>;

const context = runContext({
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_SHA: 'abcdef0123456789abcdef0123456789abcdef01',
  GITHUB_SERVER_URL: 'https://ghe.example.com',
  GITHUB_RUN_ID: '99',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_WORKFLOW: 'Release',
  GITHUB_ACTOR: 'hubot',
  GITHUB_REF_NAME: 'main',
  GITHUB_EVENT_NAME: 'push',
});
const now = new Date('2026-01-02T03:04:05Z');
const build = (input: Partial<DeployMessage> = {}) =>
  buildMessage({ status: 'success', now, ...input }, context) as Json;
const header = (m: Json) => m.blocks[0].text.text as string;
const body = (m: Json) => m.attachments[0].blocks as Json[];
const fieldTexts = (m: Json) => body(m).flatMap((b) => (b.fields ?? []).map((f: Json) => f.text as string));

describe('buildMessage', () => {
  it.each(SLACK_STATUSES)('%s: header emoji, colour and fallback text', (status) => {
    const m = build({ status, environment: 'prod' });
    const style = STATUS_STYLE[status];
    expect(header(m)).toBe(`${style.emoji} Release · prod: ${style.label}`);
    expect(m.blocks[0].type).toBe('header');
    expect(m.blocks[0].text.type).toBe('plain_text');
    expect(m.attachments[0].color).toBe(style.color);
    expect(m.text).toBe(`${style.emoji} Release · prod: ${style.label}`);
  });

  it('default title falls back to the repository without a workflow, and omits a missing environment', () => {
    expect(header(build())).toBe(':white_check_mark: Release: succeeded');
    const bare = buildMessage({ status: 'failure', now }, runContext({ GITHUB_REPOSITORY: 'acme/api' })) as Json;
    expect(header(bare)).toBe(':x: acme/api: failed');
    expect(header(build({ title: 'Shipping v2' }))).toBe(':white_check_mark: Shipping v2');
  });

  it('fields: repository, environment (linked), version, commit (short SHA linked), actor, run, then extra fields', () => {
    const m = build({
      environment: 'prod',
      environmentUrl: 'https://shop.example.com',
      version: '2.0.0',
      fields: [
        ['Region', 'eu'],
        ['Owner', '<@U1>'],
      ],
    });
    expect(fieldTexts(m)).toEqual([
      '*Repository*\n<https://ghe.example.com/acme/shop|acme/shop>',
      '*Environment*\n<https://shop.example.com|prod>',
      '*Version*\n`2.0.0`',
      '*Commit*\n<https://ghe.example.com/acme/shop/commit/abcdef0123456789abcdef0123456789abcdef01|abcdef0>',
      '*Actor*\nhubot',
      '*Run*\n<https://ghe.example.com/acme/shop/actions/runs/99|Release run (attempt 2)>',
      '*Region*\neu',
      '*Owner*\n<@U1>',
    ]);
  });

  it('escapes names and versions (they are not markup) but keeps the message and field values as mrkdwn', () => {
    const m = build({
      environment: 'a<b>&c',
      version: '<1.0>',
      message: 'see <https://x.example|docs>',
      environmentUrl: 'https://x.example/a|b>c',
    });
    const texts = fieldTexts(m);
    expect(texts[1]).toBe('*Environment*\n<https://x.example/a%7Cb%3Ec|a&lt;b&gt;&amp;c>');
    expect(texts[2]).toBe('*Version*\n`&lt;1.0&gt;`');
    expect(body(m)[0].text.text).toBe('see <https://x.example|docs>');
    expect(escapeMrkdwn('<&>')).toBe('&lt;&amp;&gt;');
  });

  it('an environment URL without a name links the URL itself', () => {
    expect(fieldTexts(build({ environmentUrl: 'https://shop.example.com' }))[1]).toBe(
      '*Environment*\n<https://shop.example.com|https://shop.example.com>',
    );
  });

  it.each(SLACK_STATUSES)('mention for %s only when it needs attention', (status) => {
    const m = build({ status, mention: '@here', message: 'details' });
    const wanted = ['failure', 'cancelled', 'rolled-back'].includes(status);
    expect(body(m)[0].text.text).toBe(wanted ? '<!here> details' : 'details');
    expect(m.text.startsWith('<!here>')).toBe(wanted);
  });

  it('normalizes mentions', () => {
    expect(normalizeMention('@here, channel @everyone')).toBe('<!here> <!channel> <!everyone>');
    expect(normalizeMention('U012ABCDEF W012ABCDEF S012ABCDEF')).toBe(
      '<@U012ABCDEF> <@W012ABCDEF> <!subteam^S012ABCDEF>',
    );
    expect(normalizeMention('<!subteam^S1|@oncall> <@U1>')).toBe('<!subteam^S1|@oncall> <@U1>');
    expect(normalizeMention('@alice')).toBe('@alice');
  });

  it('lists stage results with emoji, duration, detail and link', () => {
    const m = build({
      status: 'failure',
      stages: [
        { name: 'build-push', status: 'success', durationMs: 83_000, detail: '`ghcr.io/acme/shop:2.0.0`' },
        { name: 'deploy', status: 'success', durationMs: 12_500 },
        { name: 'smoke-test', status: 'failure', detail: '2 of 5 checks failed', url: 'https://ci.example/smoke' },
        { name: 'health-gate', status: 'pending' },
      ],
    });
    const stages = body(m).find((b) => b.text?.text.includes('build-push'))!.text.text;
    expect(stages.split('\n')).toEqual([
      ':white_check_mark: *build-push* · succeeded · 1m23s · `ghcr.io/acme/shop:2.0.0`',
      ':white_check_mark: *deploy* · succeeded · 12.5s',
      ':x: <https://ci.example/smoke|smoke-test> · failed · 2 of 5 checks failed',
      ':white_circle: *health-gate* · pending',
    ]);
  });

  it('ends with a footer: ref, event and a Slack date token', () => {
    const footer = body(build()).at(-1)!;
    expect(footer.type).toBe('context');
    expect(footer.elements[0].text).toBe(
      '`main` · push · <!date^1767323045^{date_short_pretty} {time}|2026-01-02T03:04:05.000Z>',
    );
  });

  it('splits many fields into sections of at most 10', () => {
    const m = build({ fields: Array.from({ length: 23 }, (_, i) => [`K${i}`, 'v'] as const) });
    const sizes = body(m)
      .filter((b) => b.fields)
      .map((b) => b.fields.length);
    expect(sizes).toEqual([10, 10, 7]); // repository, commit, actor, run + 23
  });

  it('every status and an oversized input fit Slack once fitted (the Slack test double accepts them)', () => {
    const huge = build({
      status: 'rolled-back',
      title: 'T'.repeat(500),
      message: 'm'.repeat(10_000),
      mention: '<!here>',
      version: 'v'.repeat(3000),
      fields: Array.from({ length: 600 }, (_, i) => [`K${i}`, 'x'.repeat(2500)] as const),
      stages: Array.from({ length: 200 }, (_, i) => ({
        name: `stage-${i}`,
        status: 'success' as const,
        detail: 'd'.repeat(50),
      })),
    });
    expect(validatePayload(huge).error).toBe('invalid_blocks'); // as built, Slack would refuse it
    const { message, cuts } = fitMessage(huge);
    expect(validatePayload(message)).toEqual({ errors: [] });
    expect(cuts.join('\n')).toMatch(/header cut from 528 to 150/);
    expect(cuts.join('\n')).toMatch(/blocks left out/);
    const blocks = message.attachments[0].blocks as Json[];
    expect(blocks).toHaveLength(50);
    expect(blocks[49].elements[0].text).toMatch(/^… \d+ more blocks left out/);
    for (const status of SLACK_STATUSES) expect(validatePayload(build({ status })).errors).toEqual([]);
  });
});

describe('truncate', () => {
  it('keeps short text and cuts long text to the limit with an ellipsis', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('a'.repeat(5000), LIMITS.sectionText)).toHaveLength(3000);
  });

  it('never splits an emoji (surrogate pair) or a mrkdwn link', () => {
    const cut = truncate('ab😀cd', 4);
    expect(cut).toBe('ab…');
    expect(truncate('see <https://example.com/very/long|the docs> now', 20)).toBe('see…');
    expect(truncate('<@U1> and <!here> then more text', 15)).toBe('<@U1> and…');
  });
});

describe('fitMessage', () => {
  it('caps fields at 10 a section and context elements at 10, without touching the input', () => {
    const input = {
      text: 'x',
      blocks: [
        { type: 'section', fields: Array.from({ length: 12 }, () => ({ type: 'mrkdwn', text: 'f'.repeat(2100) })) },
        { type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) },
        { type: 'divider' },
      ],
    };
    const before = JSON.stringify(input);
    const { message, cuts } = fitMessage(input);
    expect(JSON.stringify(input)).toBe(before);
    expect((message as Json).blocks[0].fields).toHaveLength(10);
    expect((message as Json).blocks[0].fields[0].text).toHaveLength(2000);
    expect((message as Json).blocks[1].elements).toHaveLength(10);
    expect((message as Json).blocks[2]).toEqual({ type: 'divider' });
    expect(cuts).toHaveLength(12); // 2 fields dropped, 10 fields cut, 1 context element dropped… listed each
    expect(validatePayload(message).errors).toEqual([]);
  });

  it('reports nothing for a message that fits', () => {
    expect(fitMessage({ text: 'hi' }).cuts).toEqual([]);
  });
});
