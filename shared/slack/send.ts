import { callWebApi, postWebhook, SlackError } from './client.js';
import { fitMessage } from './limits.js';

/** Where a message goes: an incoming webhook, or a channel through the Web API with a bot token. */
export type SlackDestination =
  | { webhookUrl: string }
  | {
      token: string;
      /** Channel ID (C…) or name; chat.update needs the ID, which `sendSlack` returns. */
      channel: string;
      /** Default https://slack.com/api. */
      apiUrl?: string;
      /** Edit this message (chat.update) instead of posting a new one. */
      updateTs?: string;
      /** Post as a reply in this thread. */
      threadTs?: string;
    };

export interface SendSlackOptions {
  destination: SlackDestination;
  /** A message from `buildMessage`, or any Slack payload. It is fitted to Slack's limits first. */
  message: object;
  /** Per request. Default 10s. */
  timeoutMs?: number;
  /** Extra attempts for 429, 5xx and network errors. Default 3. */
  retries?: number;
  /** Overall budget, retries and Retry-After waits included. Default 60s. */
  deadlineMs?: number;
  log?: (line: string) => void;
}

export interface SendSlackResult {
  ok: boolean;
  action: 'posted' | 'replied' | 'updated';
  /** The message's ts (Web API only; webhooks do not say). */
  ts?: string;
  /** Channel ID (Web API only). */
  channel?: string;
  /** The thread the message is in, or starts: reply into it with `threadTs`. */
  threadTs?: string;
  attempts: number;
  /** Why it failed, in words (Slack's error name included). */
  error?: string;
  /** Slack's error name, or `timeout`, `network`, `deadline`, `http_<status>`. */
  code?: string;
  /** What had to be cut to fit Slack's limits. */
  cuts: string[];
}

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api';

/** Where a message goes, in words safe to print: a webhook's URL is its credential, so only its host is named. */
export function describeDestination(destination: SlackDestination): string {
  if ('webhookUrl' in destination) return `an incoming webhook (${new URL(destination.webhookUrl).host})`;
  return `channel ${destination.channel}`;
}

/**
 * Deliver one message, never throwing for Slack's or the network's failures:
 * the caller decides whether a failed notice fails the job (a deploy should
 * not). A `started` message posted through the Web API can later be updated
 * in place with `updateTs: result.ts, channel: result.channel`.
 */
export async function sendSlack(options: SendSlackOptions): Promise<SendSlackResult> {
  const { destination } = options;
  const { message, cuts } = fitMessage(options.message);
  const transport = {
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    deadline: Date.now() + (options.deadlineMs ?? 60_000),
    log: options.log,
  };
  const updating = 'token' in destination && destination.updateTs !== undefined;
  const action = updating ? 'updated' : 'token' in destination && destination.threadTs ? 'replied' : 'posted';
  try {
    if ('webhookUrl' in destination) {
      const { attempts } = await postWebhook(destination.webhookUrl, message, transport);
      return { ok: true, action, attempts, cuts };
    }
    const apiUrl = destination.apiUrl ?? DEFAULT_SLACK_API_URL;
    const body: Record<string, unknown> = { ...message, channel: destination.channel };
    if (updating) {
      body.ts = destination.updateTs;
      // chat.update keeps the old attachments unless told otherwise; a new message replaces them.
      body.attachments ??= [];
    } else if (destination.threadTs) {
      body.thread_ts = destination.threadTs;
    }
    const { data, attempts } = await callWebApi(
      apiUrl,
      updating ? 'chat.update' : 'chat.postMessage',
      destination.token,
      body,
      transport,
    );
    const ts = typeof data.ts === 'string' ? data.ts : undefined;
    const posted = data.message as { thread_ts?: unknown } | undefined;
    const threadTs = typeof posted?.thread_ts === 'string' ? posted.thread_ts : (destination.threadTs ?? ts);
    return {
      ok: true,
      action,
      ts,
      channel: typeof data.channel === 'string' ? data.channel : undefined,
      threadTs,
      attempts,
      cuts,
    };
  } catch (error) {
    if (!(error instanceof SlackError)) throw error;
    return { ok: false, action, attempts: error.attempts, error: error.message, code: error.code, cuts };
  }
}
