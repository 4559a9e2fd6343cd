import { z } from 'zod';
import {
  boolean,
  fail,
  httpUrl,
  multiLine,
  oneOf,
  optionalHttpUrl,
  optionalText,
  parseInputs,
  singleLine,
  splitLines,
} from '../../../shared/inputs.js';
import { slackChannel, slackMention, slackToken } from '../../../shared/slack/inputs.js';
import { SLACK_STATUSES } from '../../../shared/slack/message.js';

const SECRETS = ['webhook-url', 'token'] as const;

const ts = () =>
  singleLine().transform((s, ctx): string | undefined => {
    const v = s.trim();
    return !v || /^\d+\.\d+$/.test(v)
      ? v || undefined
      : fail(
          ctx,
          'a Slack message timestamp such as 1712345678.123456 (the `ts` output of an earlier notify-slack step)',
        );
  });

const schema = z
  .object({
    'webhook-url': optionalHttpUrl({ credentials: 'a webhook URL carries its secret in its path' }),
    token: slackToken(),
    channel: slackChannel(),
    status: oneOf(SLACK_STATUSES),
    // Free text, shown in the message (Slack cuts a header at 150 characters, a section at 3000).
    title: optionalText({ max: 1000 }),
    message: optionalText({ multiLine: true, max: 40_000 }),
    environment: optionalText({ max: 1000 }),
    version: optionalText({ max: 1000 }),
    'environment-url': optionalHttpUrl({
      credentials: 'the environment URL is only shown, as a link in the message, and needs none',
    }),
    fields: multiLine().transform((s, ctx): [string, string][] => {
      const fields: [string, string][] = [];
      for (const line of splitLines(s)) {
        const match = /^([^:]+?)\s*:\s*(.*)$/.exec(line);
        if (!match || !match[2]) return fail(ctx, `lines "Key: value"; line ${JSON.stringify(line)} is not`);
        fields.push([match[1], match[2]]);
      }
      return fields;
    }),
    mention: slackMention(),
    'update-ts': ts(),
    'thread-ts': ts(),
    payload: multiLine().transform((s, ctx): Record<string, unknown> | undefined => {
      if (!s.trim()) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(s);
      } catch (error) {
        return fail(
          ctx,
          `a JSON object (a complete Slack message payload); it is not valid JSON (${(error as Error).message})`,
        );
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        return fail(ctx, 'a JSON object (a complete Slack message payload with text, blocks or attachments)');
      // Slack refuses a message with none of these (no_text); better said before anything is sent.
      if (!['text', 'blocks', 'attachments'].some((key) => key in parsed))
        return fail(ctx, 'a Slack message payload with "text", "blocks" or "attachments"');
      return parsed as Record<string, unknown>;
    }),
    'fail-on-error': boolean(),
    'slack-api-url': httpUrl({ credentials: 'the Web API takes "token" as its credential' }),
  })
  .superRefine((c, ctx) => {
    const issue = (input: string, message: string) => ctx.addIssue({ code: 'custom', path: [input], message });
    const webhook = c['webhook-url'] !== undefined;
    const api = c.token !== undefined;
    if (!webhook && !api)
      issue(
        'webhook-url',
        'one destination: "webhook-url", or "token" with "channel"; neither "webhook-url" nor "token" was given',
      );
    if (webhook && api) issue('token', 'one destination only: "webhook-url", or "token" with "channel", not both');
    if (api && !c.channel) issue('channel', 'a channel ID (C0123ABCD) or name, needed with "token"');
    if (webhook && !api) {
      if (c.channel)
        issue(
          'channel',
          'nothing with "webhook-url": a webhook posts to the channel it was created for (use "token" to choose a channel)',
        );
      for (const name of ['update-ts', 'thread-ts'] as const) {
        if (c[name])
          issue(
            name,
            `nothing with "webhook-url": only the Web API ("token" and "channel") can ${name === 'update-ts' ? 'update a message' : 'reply in a thread'}`,
          );
      }
    }
  });

export type Config = z.output<typeof schema>;

export function readConfig(): Config {
  return parseInputs(schema, { secrets: SECRETS });
}
