/**
 * Slack names its failures (`channel_not_found`, `invalid_auth`, …); the name
 * alone rarely says what to do, so the common ones get a hint.
 */
const HINTS: Record<string, string> = {
  // Web API
  not_authed: 'no token reached Slack; check that the `token` secret is set',
  invalid_auth: 'the token is not valid; use a bot token (xoxb-…) of an installed app',
  account_inactive: 'the token belongs to a deleted user or an uninstalled app',
  token_revoked: 'the token was revoked; reinstall the app and update the secret',
  token_expired: 'the token expired; rotate it and update the secret',
  missing_scope: 'the app lacks a scope; add it (chat:write) and reinstall the app',
  channel_not_found:
    'no such channel, or the bot cannot see it; for a private channel invite the bot, and for chat.update pass the channel ID (the `channel` output), not its name',
  not_in_channel: 'the bot is not in the channel; invite it with `/invite @<bot>` or add the chat:write.public scope',
  is_archived: 'the channel is archived',
  message_not_found:
    'no message with that `update-ts` in this channel (use the `ts` and `channel` outputs of the step that posted it)',
  cant_update_message: 'this token cannot edit that message (only messages the same app posted can be updated)',
  edit_window_closed: 'the message is too old to be edited',
  thread_not_found: 'no thread with that `thread-ts` in this channel',
  invalid_blocks: 'Slack rejected the blocks of the message',
  invalid_blocks_format: 'the `blocks` of the payload are not an array of block objects',
  invalid_attachments: 'the `attachments` of the payload are malformed',
  no_text: 'the payload has no `text`, `blocks` or `attachments`',
  msg_too_long: 'the message text is too long',
  too_many_attachments: 'the message has more than 100 attachments',
  restricted_action: 'a workspace setting prevents posting in this channel',
  ratelimited: 'Slack rate-limited the app and the retries ran out',
  rate_limited: 'Slack rate-limited the webhook and the retries ran out',
  // Incoming webhooks
  invalid_payload: 'the body is not a valid message payload',
  no_service: 'the webhook URL is wrong, or the webhook was disabled or removed',
  no_team: 'the webhook URL is wrong or its workspace is gone',
  invalid_token: 'the webhook URL is wrong or was revoked',
  action_prohibited: 'a workspace restriction prevents this webhook from posting',
  channel_is_archived: "the webhook's channel is archived",
  posting_to_general_channel_denied: 'only admins may post in the #general channel',
  user_not_found: 'the message mentions or targets a user that does not exist',
  rollup_error: 'Slack had an internal error',
};

export function slackErrorHint(name: string): string | undefined {
  return HINTS[name];
}

/** `name (hint)`, plus Slack's own detail lines when it gave some. */
export function describeSlackError(name: string, details: readonly string[] = []): string {
  const hint = slackErrorHint(name);
  const detail = details.length ? `: ${details.slice(0, 5).join('; ')}` : '';
  return `${name}${hint ? ` (${hint})` : ''}${detail}`;
}
