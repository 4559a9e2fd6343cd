import { z } from 'zod';
import { boolean, httpUrl, oneOf, optionalHttpUrl, optionalText, parseInputs, splitLines } from '../../../shared/inputs.js';
import { SLACK_STATUSES } from '../../../shared/slack/message.js';

const SECRETS = ['webhook-url', 'token'] as const;

const ts = () =>
  z.string().transform((s, ctx): string | undefined => {
    const v = s.trim();
    if (!v || /^\d+\.\d+$/.test(v)) return v || undefined;
    ctx.addIssue({ code: 'custom', message: 'a Slack message timestamp such as 1712345678.123456 (the `ts` output of an earlier notify-slack step)' });
    return z.NEVER;
  });

const schema = z
  .object({
    'webhook-url': optionalHttpUrl(),
    token: optionalText(),
    channel: optionalText(),
    status: oneOf(SLACK_STATUSES),
    title: optionalText(),
    message: optionalText(),
    environment: optionalText(),
    version: optionalText(),
    'environment-url': optionalHttpUrl(),
    fields: z.string().transform((s, ctx): [string, string][] => {
      const fields: [string, string][] = [];
      for (const line of splitLines(s)) {
        const match = /^([^:]+?)\s*:\s*(.*)$/.exec(line);
        if (!match || !match[2]) {
          ctx.addIssue({ code: 'custom', message: `lines "Key: value"; line ${JSON.stringify(line)} is not` });
          return z.NEVER;
        }
        fields.push([match[1]!, match[2]]);
      }
      return fields;
    }),
    mention: optionalText(),
    'update-ts': ts(),
    'thread-ts': ts(),
    payload: z.string().transform((s, ctx): Record<string, unknown> | undefined => {
      if (!s.trim()) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(s);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `a JSON object (a complete Slack message payload); it is not valid JSON (${(error as Error).message})` });
        return z.NEVER;
      }
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
      ctx.addIssue({ code: 'custom', message: 'a JSON object (a complete Slack message payload with text, blocks or attachments)' });
      return z.NEVER;
    }),
    'fail-on-error': boolean(),
    'slack-api-url': httpUrl(),
  })
  .superRefine((c, ctx) => {
    const issue = (input: string, message: string) => ctx.addIssue({ code: 'custom', path: [input], message });
    const webhook = c['webhook-url'] !== undefined;
    const api = c.token !== undefined;
    if (!webhook && !api) issue('webhook-url', 'one destination: "webhook-url", or "token" with "channel"; neither "webhook-url" nor "token" was given');
    if (webhook && api) issue('token', 'one destination only: "webhook-url", or "token" with "channel", not both');
    if (api && !c.channel) issue('channel', 'a channel ID (C0123ABCD) or name, needed with "token"');
    if (webhook && !api) {
      if (c.channel) issue('channel', 'nothing with "webhook-url": a webhook posts to the channel it was created for (use "token" to choose a channel)');
      for (const name of ['update-ts', 'thread-ts'] as const) {
        if (c[name]) issue(name, `nothing with "webhook-url": only the Web API ("token" and "channel") can ${name === 'update-ts' ? 'update a message' : 'reply in a thread'}`);
      }
    }
  });

export type Config = z.output<typeof schema>;

export function readConfig(): Config {
  return parseInputs(schema, { secrets: SECRETS });
}
