import { fail, optionalText, secretText } from '../inputs.js';

/** Slack inputs shared by notify-slack and deploy. */

export const slackToken = () => secretText({ token: true });

/** A channel ID (`C0123ABCD`) or name (`#deploys`, `deploys`). */
export const slackChannel = () =>
  optionalText().transform((s, ctx) =>
    s === undefined || /^#?[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(s)
      ? s
      : fail(ctx, 'a channel ID (C0123ABCD) or name (#deploys)'),
  );

// `<!here>`, `<@U123ABC>`, `<!subteam^S123ABC|@team>`, or a bare `@here`, `U123ABC`.
const MENTION = /^(?:<[!@#][^<>\s]+>|@?[A-Za-z0-9._-]+)$/;

/** Who to notify: mentions separated by spaces or commas. */
export const slackMention = () =>
  optionalText({ max: 1000 }).transform((s, ctx) => {
    const bad = (s ?? '').split(/[\s,]+/).filter((m) => m && !MENTION.test(m));
    return bad.length
      ? fail(
          ctx,
          `mentions such as <!here>, @here, <@U123ABC>, U123ABC or <!subteam^S123ABC>, separated by spaces or commas; ${bad.map((m) => JSON.stringify(m)).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not`,
        )
      : s;
  });
