import { runContext, type RunContext } from '../context.js';
import { formatDuration } from '../duration.js';
import { LIMITS, truncate } from './limits.js';

/** The deploy outcomes a message can announce (the action's `status` input). */
export const SLACK_STATUSES = ['started', 'success', 'failure', 'cancelled', 'skipped', 'rolled-back'] as const;
export type SlackStatus = (typeof SLACK_STATUSES)[number];

/** A stage of a deploy can also be still running or not yet reached. */
export type StageStatus = SlackStatus | 'running' | 'pending';

interface Style {
  emoji: string;
  /** The status in words, as it reads in a title. */
  label: string;
  /** Attachment bar colour. */
  color: string;
}

export const STATUS_STYLE: Record<StageStatus, Style> = {
  started: { emoji: ':rocket:', label: 'started', color: '#1D9BD1' },
  running: { emoji: ':hourglass_flowing_sand:', label: 'running', color: '#1D9BD1' },
  pending: { emoji: ':white_circle:', label: 'pending', color: '#DDDDDD' },
  success: { emoji: ':white_check_mark:', label: 'succeeded', color: '#2EB67D' },
  failure: { emoji: ':x:', label: 'failed', color: '#E01E5A' },
  cancelled: { emoji: ':no_entry_sign:', label: 'cancelled', color: '#868686' },
  skipped: { emoji: ':fast_forward:', label: 'skipped', color: '#DDDDDD' },
  'rolled-back': { emoji: ':leftwards_arrow_with_hook:', label: 'rolled back', color: '#ECB22E' },
};

/** Statuses that ask for people's attention: only these carry the `mention`. */
export const MENTION_STATUSES: ReadonlySet<SlackStatus> = new Set(['failure', 'cancelled', 'rolled-back']);

/** One step of a deploy, for a message that lists how each stage went. */
export interface StageResult {
  name: string;
  status: StageStatus;
  durationMs?: number;
  /** One line of mrkdwn: why it failed, what it produced. */
  detail?: string;
  url?: string;
}

export interface DeployMessage {
  status: SlackStatus;
  /** Default: "<workflow> · <environment>: <status>". */
  title?: string;
  /** Extra mrkdwn text. */
  message?: string;
  environment?: string;
  environmentUrl?: string;
  version?: string;
  /** Extra fields, in order, as [label, mrkdwn value]. */
  fields?: readonly (readonly [string, string])[];
  /** `<!here>`, `<@U123>`, …: included only for failure, cancelled and rolled-back. */
  mention?: string;
  stages?: readonly StageResult[];
  /** When the message is built (shown in its footer); default now. */
  now?: Date;
}

export type Block = Record<string, unknown>;

/** A Slack message body as chat.postMessage, chat.update and incoming webhooks take it. */
export interface SlackMessage {
  text: string;
  blocks?: Block[];
  attachments?: { color?: string; fallback?: string; blocks?: Block[]; [key: string]: unknown }[];
  [key: string]: unknown;
}

/** mrkdwn control characters in values that are not meant as markup (names, versions). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A mrkdwn link; the label is escaped, and `|`/`>` in the URL encoded so the link cannot break. */
export function link(url: string, label: string): string {
  return `<${url.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${escapeMrkdwn(label)}>`;
}

/**
 * `@here`, `here`, `U123ABC`, `S123ABC` and the like as Slack's mention
 * syntax (`<!here>`, `<@U123ABC>`, `<!subteam^S123ABC>`); anything already in
 * `<…>` form or unrecognised is kept as given. Several may be separated by
 * spaces or commas.
 */
export function normalizeMention(value: string): string {
  return value
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((m) => {
      if (m.startsWith('<')) return m;
      const bare = m.replace(/^@/, '');
      if (/^(here|channel|everyone)$/i.test(bare)) return `<!${bare.toLowerCase()}>`;
      if (/^[UW][A-Z0-9]{6,}$/.test(bare)) return `<@${bare}>`;
      if (/^S[A-Z0-9]{6,}$/.test(bare)) return `<!subteam^${bare}>`;
      return m;
    })
    .join(' ');
}

export function defaultTitle(status: SlackStatus, environment: string | undefined, context: RunContext): string {
  const name = context.workflow || context.repository || 'Deploy';
  return `${name}${environment ? ` · ${environment}` : ''}: ${STATUS_STYLE[status].label}`;
}

function field(label: string, value: string): Block {
  return { type: 'mrkdwn', text: `*${escapeMrkdwn(label)}*\n${value}` };
}

function stageLine(stage: StageResult): string {
  const style = STATUS_STYLE[stage.status];
  const name = stage.url ? link(stage.url, stage.name) : `*${escapeMrkdwn(stage.name)}*`;
  const parts = [`${style.emoji} ${name}`, style.label];
  if (stage.durationMs !== undefined) parts.push(formatDuration(stage.durationMs));
  if (stage.detail) parts.push(stage.detail);
  return parts.join(' · ');
}

/**
 * The default deploy message: a header with the status emoji and title (a
 * top-level block, so it reads first), then a bar in the status colour with
 * the mention and message, the fields (repository, environment, version,
 * commit, actor, run and any extra ones), the stages when given, and a footer.
 * `text` is the plain fallback notifications and screen readers use.
 * Over-long text is left whole here: `sendSlack` cuts it to Slack's limits
 * with `fitMessage` and reports what it cut (call `fitMessage` yourself to
 * preview). Structure already fits (at most 10 fields a section).
 */
export function buildMessage(input: DeployMessage, context: RunContext = runContext()): SlackMessage {
  const style = STATUS_STYLE[input.status];
  const title = input.title ?? defaultTitle(input.status, input.environment, context);
  const mention = input.mention && MENTION_STATUSES.has(input.status) ? normalizeMention(input.mention) : undefined;

  const fields: Block[] = [];
  if (context.repository)
    fields.push(field('Repository', link(`${context.serverUrl}/${context.repository}`, context.repository)));
  if (input.environment || input.environmentUrl) {
    const name = input.environment ?? input.environmentUrl!;
    fields.push(field('Environment', input.environmentUrl ? link(input.environmentUrl, name) : escapeMrkdwn(name)));
  }
  if (input.version) fields.push(field('Version', `\`${escapeMrkdwn(input.version)}\``));
  if (context.sha)
    fields.push(
      field(
        'Commit',
        context.commitUrl ? link(context.commitUrl, context.sha.slice(0, 7)) : `\`${context.sha.slice(0, 7)}\``,
      ),
    );
  if (context.actor) fields.push(field('Actor', escapeMrkdwn(context.actor)));
  if (context.runUrl) {
    const attempt = Number(context.runAttempt) > 1 ? ` (attempt ${context.runAttempt})` : '';
    fields.push(field('Run', link(context.runUrl, `${context.workflow || 'workflow'} run${attempt}`)));
  }
  for (const [label, value] of input.fields ?? []) fields.push(field(label, value));

  const body: Block[] = [];
  const lead = [mention, input.message].filter(Boolean).join(' ');
  if (lead) body.push({ type: 'section', text: { type: 'mrkdwn', text: lead } });
  for (let i = 0; i < fields.length; i += LIMITS.fields)
    body.push({ type: 'section', fields: fields.slice(i, i + LIMITS.fields) });
  if (input.stages?.length) {
    body.push({ type: 'section', text: { type: 'mrkdwn', text: input.stages.map(stageLine).join('\n') } });
  }
  const now = input.now ?? new Date();
  const footer = [
    context.refName && `\`${escapeMrkdwn(context.refName)}\``,
    context.eventName,
    `<!date^${Math.floor(now.getTime() / 1000)}^{date_short_pretty} {time}|${now.toISOString()}>`,
  ];
  body.push({ type: 'context', elements: [{ type: 'mrkdwn', text: footer.filter(Boolean).join(' · ') }] });

  const text = truncate(
    [mention, `${style.emoji} ${title}`].filter(Boolean).join(' ') + (input.message ? `\n${input.message}` : ''),
    LIMITS.sectionText,
  );
  return {
    text,
    blocks: [{ type: 'header', text: { type: 'plain_text', text: `${style.emoji} ${title}`, emoji: true } }],
    attachments: [{ color: style.color, fallback: text, blocks: body }],
  };
}
