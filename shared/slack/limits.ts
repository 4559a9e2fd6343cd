/**
 * Slack's Block Kit limits, and the one place that makes a message fit them.
 * Slack rejects a whole message for one over-long field (`invalid_blocks`),
 * so text is cut with an ellipsis instead: a shortened notice beats none.
 */
export const LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  /** Top-level `text`: Slack truncates past 40,000 characters and rejects much more (`msg_too_long`). */
  text: 40_000,
} as const;

export const ELLIPSIS = '…';

/**
 * Cut `text` to at most `max` UTF-16 units (never more characters than Slack
 * counts), ending with an ellipsis. Never splits a surrogate pair, and never
 * leaves half a mrkdwn link or mention (`<url|label>`), which Slack would show raw.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - ELLIPSIS.length);
  if (end > 0 && /[\uD800-\uDBFF]/.test(text[end - 1])) end--;
  const open = text.lastIndexOf('<', end - 1);
  if (open >= 0 && text.indexOf('>', open) >= end) end = open;
  return `${text.slice(0, end).trimEnd()}${ELLIPSIS}`;
}

/** A JSON object as Slack payloads are: loosely typed, checked by shape. */
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export interface FitResult<T> {
  message: T;
  /** What was cut, in words (empty when the message already fitted). */
  cuts: string[];
}

/**
 * Make any payload (ours or a user's) fit Slack's limits: header, section,
 * field and context text cut with an ellipsis, extra fields and context
 * elements dropped, extra blocks replaced by a note saying how many were left
 * out. Works on a copy; unknown block types pass through untouched.
 */
export function fitMessage<T extends object>(message: T): FitResult<T> {
  const cuts: string[] = [];
  const copy = structuredClone(message) as Json;
  if (typeof copy.text === 'string' && copy.text.length > LIMITS.text) {
    copy.text = truncate(copy.text, LIMITS.text);
    cuts.push(`text cut to ${LIMITS.text} characters`);
  }
  if (Array.isArray(copy.blocks)) copy.blocks = fitBlocks(copy.blocks, 'blocks', cuts);
  if (Array.isArray(copy.attachments)) {
    copy.attachments.forEach((attachment, i) => {
      if (isObject(attachment) && Array.isArray(attachment.blocks))
        attachment.blocks = fitBlocks(attachment.blocks, `attachments[${i}].blocks`, cuts);
    });
  }
  return { message: copy as T, cuts };
}

function fitBlocks(blocks: unknown[], where: string, cuts: string[]): unknown[] {
  let fitted = blocks.map((block, i) => (isObject(block) ? fitBlock(block, `${where}[${i}]`, cuts) : block));
  if (fitted.length > LIMITS.blocks) {
    const dropped = fitted.length - (LIMITS.blocks - 1);
    fitted = [
      ...fitted.slice(0, LIMITS.blocks - 1),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `${ELLIPSIS} ${dropped} more block${dropped === 1 ? '' : 's'} left out (Slack allows ${LIMITS.blocks})`,
          },
        ],
      },
    ];
    cuts.push(`${where}: ${dropped} blocks left out (Slack allows ${LIMITS.blocks})`);
  }
  return fitted;
}

function fitText(holder: unknown, max: number, where: string, cuts: string[]): void {
  if (!isObject(holder) || typeof holder.text !== 'string' || holder.text.length <= max) return;
  cuts.push(`${where} cut from ${holder.text.length} to ${max} characters`);
  holder.text = truncate(holder.text, max);
}

function fitBlock(block: Json, where: string, cuts: string[]): Json {
  switch (block.type) {
    case 'header':
      fitText(block.text, LIMITS.headerText, `${where} header`, cuts);
      break;
    case 'section':
      fitText(block.text, LIMITS.sectionText, `${where} section text`, cuts);
      if (Array.isArray(block.fields)) {
        const fields: unknown[] = block.fields;
        if (fields.length > LIMITS.fields)
          cuts.push(
            `${where}: ${fields.length - LIMITS.fields} fields left out (Slack allows ${LIMITS.fields} a section)`,
          );
        block.fields = fields.slice(0, LIMITS.fields);
        fields
          .slice(0, LIMITS.fields)
          .forEach((field, i) => fitText(field, LIMITS.fieldText, `${where} field ${i + 1}`, cuts));
      }
      break;
    case 'context':
      if (Array.isArray(block.elements)) {
        const elements: unknown[] = block.elements;
        if (elements.length > LIMITS.contextElements)
          cuts.push(`${where}: ${elements.length - LIMITS.contextElements} context elements left out`);
        block.elements = elements.slice(0, LIMITS.contextElements);
        elements
          .slice(0, LIMITS.contextElements)
          .forEach((element, i) => fitText(element, LIMITS.contextText, `${where} context element ${i + 1}`, cuts));
      }
      break;
  }
  return block;
}
