/**
 * Test double of Slack: an incoming webhook (`POST /services/T…/B…/…`) and the
 * Web API methods chat.postMessage and chat.update (`POST /api/<method>`), on
 * a real 127.0.0.1 server, speaking Slack's wire formats: webhooks answer
 * `200 ok` or a status with the error name as plain text; the Web API answers
 * HTTP 200 `{"ok": true, …}` / `{"ok": false, "error": "…"}` and 429 with
 * Retry-After. It checks what Slack checks (bearer token, JSON, channel
 * membership, message ts) and REJECTS payloads that break Block Kit's limits
 * (`invalid_blocks` with json-pointer errors), so a test that passes here
 * would not be refused by Slack for size. Faults (429, 5xx, API errors, hangs)
 * are queued with `fail()`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startServer, type RecordedRequest } from '../harness/server.js';

export interface FakeChannel {
  id: string;
  name: string;
  /** Whether the bot was invited (else `not_in_channel`). Default true. */
  member?: boolean;
}

export interface FakeSlackOptions {
  token?: string;
  channels?: FakeChannel[];
  /** Path of the one valid incoming webhook. */
  webhookPath?: string;
  /** Told of every message accepted, as it is (the demo prints them). */
  onMessage?: (event: {
    method: 'chat.postMessage' | 'chat.update' | 'webhook';
    ts?: string;
    payload: Record<string, unknown>;
  }) => void;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  /** Every version of the payload, first post then each update. */
  history: Record<string, unknown>[];
}

export type Fault =
  /** HTTP 429 with Retry-After (seconds). */
  | { rateLimit: number }
  /** An HTTP status (5xx, 502 from a proxy…) with an HTML body. */
  | { status: number }
  /**
   * A Slack error (`{"ok": false, "error": name}` on the Web API, with `response_metadata.messages` when given; the
   * status Slack uses on webhooks).
   */
  | { error: string; messages?: string[] }
  /** Accept the request and never answer. */
  | { hang: true };

export interface FakeSlack {
  url: string;
  apiUrl: string;
  webhookUrl: string;
  token: string;
  requests: RecordedRequest[];
  /** Messages posted through the Web API, by ts. */
  messages: Map<string, StoredMessage>;
  /** Payloads accepted by the webhook. */
  webhookPosts: Record<string, unknown>[];
  /** Payloads refused for breaking Slack's rules, with Slack's error lines. */
  rejected: { where: string; errors: string[] }[];
  /** Answer the next `times` requests with `fault`. */
  fail(fault: Fault, times?: number): void;
  close(): Promise<void>;
}

const WEBHOOK_ERROR_STATUS: Record<string, number> = {
  invalid_payload: 400,
  invalid_blocks: 400,
  no_text: 400,
  user_not_found: 400,
  invalid_token: 403,
  action_prohibited: 403,
  channel_not_found: 404,
  no_service: 404,
  channel_is_archived: 410,
  rollup_error: 500,
};

const BLOCK_TYPES = new Set([
  'header',
  'section',
  'context',
  'divider',
  'actions',
  'image',
  'rich_text',
  'input',
  'file',
  'video',
]);

type Json = Record<string, unknown>;
/** A request field as text, as Slack reads it: a number is its digits, nothing is empty. */
const text = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Slack's Block Kit checks, as error lines in Slack's own format. */
export function validatePayload(payload: unknown): { error?: string; errors: string[] } {
  if (!isObject(payload)) return { error: 'invalid_payload', errors: ['payload must be a JSON object'] };
  const errors: string[] = [];
  const err = (message: string, pointer: string) => errors.push(`${message} [json-pointer:${pointer}]`);
  const hasText = typeof payload.text === 'string' && payload.text.trim() !== '';
  const hasBlocks = Array.isArray(payload.blocks) && payload.blocks.length > 0;
  const hasAttachments = Array.isArray(payload.attachments) && payload.attachments.length > 0;
  if (!hasText && !hasBlocks && !hasAttachments) return { error: 'no_text', errors: [] };
  if (payload.text !== undefined && typeof payload.text !== 'string')
    return { error: 'invalid_arguments', errors: ['text must be a string'] };
  if (typeof payload.text === 'string' && payload.text.length > 40_000) return { error: 'msg_too_long', errors: [] };
  if (payload.blocks !== undefined) {
    if (!Array.isArray(payload.blocks)) return { error: 'invalid_blocks_format', errors: ['blocks must be an array'] };
    checkBlocks(payload.blocks, '/blocks', err);
  }
  if (payload.attachments !== undefined) {
    if (!Array.isArray(payload.attachments))
      return { error: 'invalid_attachments', errors: ['attachments must be an array'] };
    if (payload.attachments.length > 100) return { error: 'too_many_attachments', errors: [] };
    payload.attachments.forEach((a, i) => {
      if (!isObject(a)) return err('must be an object', `/attachments/${i}`);
      if (a.blocks !== undefined) {
        if (!Array.isArray(a.blocks)) return err('must be an array', `/attachments/${i}/blocks`);
        checkBlocks(a.blocks, `/attachments/${i}/blocks`, err);
      }
    });
  }
  return errors.length ? { error: 'invalid_blocks', errors } : { errors };
}

function checkText(
  text: unknown,
  max: number,
  pointer: string,
  err: (m: string, p: string) => void,
  types = ['plain_text', 'mrkdwn'],
): void {
  if (!isObject(text)) return err('must be a text object', pointer);
  if (!types.includes(String(text.type))) return err(`must be one of ${types.join(', ')}`, `${pointer}/type`);
  if (typeof text.text !== 'string' || text.text.length === 0)
    return err('must be more than 0 characters', `${pointer}/text`);
  if (text.text.length > max) err(`must be less than ${max + 1} characters`, `${pointer}/text`);
}

function checkBlocks(blocks: unknown[], at: string, err: (m: string, p: string) => void): void {
  if (blocks.length > 50) err('no more than 50 items allowed', at);
  blocks.forEach((block, i) => {
    const p = `${at}/${i}`;
    if (!isObject(block)) return err('must be an object', p);
    if (!BLOCK_TYPES.has(String(block.type))) return err('must be a valid enum value', `${p}/type`);
    if (typeof block.block_id === 'string' && block.block_id.length > 255)
      err('must be less than 256 characters', `${p}/block_id`);
    switch (block.type) {
      case 'header':
        checkText(block.text, 150, `${p}/text`, err, ['plain_text']);
        break;
      case 'section':
        if (block.text === undefined && block.fields === undefined) return err('must provide either text or fields', p);
        if (block.text !== undefined) checkText(block.text, 3000, `${p}/text`, err);
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields)) return err('must be an array', `${p}/fields`);
          if (block.fields.length > 10) err('no more than 10 items allowed', `${p}/fields`);
          block.fields.forEach((f, j) => checkText(f, 2000, `${p}/fields/${j}`, err));
        }
        break;
      case 'context':
        if (!Array.isArray(block.elements) || block.elements.length === 0)
          return err('must provide at least 1 item', `${p}/elements`);
        if (block.elements.length > 10) err('no more than 10 items allowed', `${p}/elements`);
        block.elements.forEach((e, j) => {
          if (isObject(e) && e.type !== 'image') checkText(e, 3000, `${p}/elements/${j}`, err);
        });
        break;
    }
  });
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const token = options.token ?? 'xoxb-fake-0123456789-secret';
  const channels = options.channels ?? [{ id: 'C0DEPLOYS', name: 'deploys' }];
  const webhookPath = options.webhookPath ?? '/services/T0FAKE/B0FAKE/fakeWebhookSecret0123456789';
  const messages = new Map<string, StoredMessage>();
  const webhookPosts: Json[] = [];
  const rejected: FakeSlack['rejected'] = [];
  const faults: Fault[] = [];
  let seq = 0;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;

  const api = (res: ServerResponse, body: Json, headers: Record<string, string> = {}, status = 200) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const plain = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'text/html', ...headers });
    res.end(body);
  };

  /** A queued fault, answered in the format of the endpoint hit; true when it answered. */
  function injectFault(isApi: boolean, res: ServerResponse): boolean {
    const fault = faults.shift();
    if (!fault) return false;
    if ('hang' in fault) return true;
    if ('rateLimit' in fault) {
      const headers = { 'retry-after': String(fault.rateLimit) };
      if (isApi) api(res, { ok: false, error: 'ratelimited' }, headers, 429);
      else plain(res, 429, 'rate_limited', headers);
    } else if ('status' in fault) {
      plain(res, fault.status, `<html><body><h1>${fault.status} Service Unavailable</h1></body></html>`);
    } else if (isApi) {
      api(res, {
        ok: false,
        error: fault.error,
        ...(fault.messages ? { response_metadata: { messages: fault.messages } } : {}),
      });
    } else {
      plain(res, WEBHOOK_ERROR_STATUS[fault.error] ?? 400, fault.error);
    }
    return true;
  }

  function parseJson(req: IncomingMessage & { body: string }): { payload?: Json; problem?: string } {
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
      return { problem: 'content type is not application/json' };
    try {
      const payload: unknown = JSON.parse(req.body);
      return isObject(payload) ? { payload } : { problem: 'body is not a JSON object' };
    } catch {
      return { problem: 'body is not JSON' };
    }
  }

  function webhook(req: IncomingMessage & { body: string }, res: ServerResponse): void {
    if (req.url !== webhookPath) return plain(res, 404, 'no_service');
    if (req.method !== 'POST') return plain(res, 405, 'invalid_method');
    if (injectFault(false, res)) return;
    const { payload, problem } = parseJson(req);
    if (!payload) {
      rejected.push({ where: 'webhook', errors: [problem!] });
      return plain(res, 400, 'invalid_payload');
    }
    const check = validatePayload(payload);
    if (check.error) {
      rejected.push({ where: 'webhook', errors: [check.error, ...check.errors] });
      return plain(res, WEBHOOK_ERROR_STATUS[check.error] ?? 400, check.error);
    }
    webhookPosts.push(payload);
    options.onMessage?.({ method: 'webhook', payload });
    plain(res, 200, 'ok');
  }

  function webApi(method: string, req: IncomingMessage & { body: string }, res: ServerResponse): void {
    if (method !== 'chat.postMessage' && method !== 'chat.update')
      return api(res, { ok: false, error: 'unknown_method' });
    if (req.method !== 'POST') return api(res, { ok: false, error: 'invalid_request' });
    if (injectFault(true, res)) return;
    const auth = req.headers.authorization;
    if (!auth) return api(res, { ok: false, error: 'not_authed' });
    if (auth !== `Bearer ${token}`) return api(res, { ok: false, error: 'invalid_auth' });
    const { payload, problem } = parseJson(req);
    if (!payload) {
      rejected.push({ where: method, errors: [problem!] });
      return api(res, { ok: false, error: problem === 'body is not JSON' ? 'invalid_json' : 'invalid_form_data' });
    }
    const warnings = /charset=utf-8/i.test(req.headers['content-type'] ?? '') ? [] : ['missing_charset'];
    const meta = warnings.length ? { warning: warnings.join(','), response_metadata: { warnings } } : {};
    const check = validatePayload(payload);
    if (check.error) {
      rejected.push({ where: method, errors: [check.error, ...check.errors] });
      return api(res, {
        ok: false,
        error: check.error,
        errors: check.errors,
        response_metadata: { messages: check.errors.map((e) => `[ERROR] ${e}`) },
      });
    }
    const name = text(payload.channel);
    // chat.postMessage resolves names (with or without #); chat.update takes only the ID.
    const channel = channels.find(
      (c) => c.id === name || (method === 'chat.postMessage' && (`#${c.name}` === name || c.name === name)),
    );
    if (!channel) return api(res, { ok: false, error: 'channel_not_found' });
    if (channel.member === false) return api(res, { ok: false, error: 'not_in_channel' });
    const content = { text: payload.text as string | undefined, blocks: payload.blocks as unknown[] | undefined };

    if (method === 'chat.postMessage') {
      const threadTs = payload.thread_ts === undefined ? undefined : text(payload.thread_ts);
      // Stricter than Slack, which may post a stray reply: a wrong thread is a test failure.
      if (threadTs !== undefined && messages.get(threadTs)?.channel !== channel.id)
        return api(res, { ok: false, error: 'thread_not_found' });
      const ts = nextTs();
      const stored: StoredMessage = {
        channel: channel.id,
        ts,
        thread_ts: threadTs,
        ...content,
        attachments: payload.attachments as unknown[] | undefined,
        history: [payload],
      };
      messages.set(ts, stored);
      options.onMessage?.({ method, ts, payload });
      return api(res, {
        ok: true,
        channel: channel.id,
        ts,
        message: {
          type: 'message',
          bot_id: 'B0FAKE',
          ...content,
          attachments: stored.attachments,
          ts,
          thread_ts: threadTs,
        },
        ...meta,
      });
    }
    const ts = text(payload.ts);
    const stored = messages.get(ts);
    if (!stored || stored.channel !== channel.id) return api(res, { ok: false, error: 'message_not_found' });
    Object.assign(stored, content);
    // Slack keeps the previous attachments when an update leaves them out.
    if (payload.attachments !== undefined) stored.attachments = payload.attachments as unknown[];
    stored.history.push(payload);
    options.onMessage?.({ method: 'chat.update', ts, payload });
    return api(res, {
      ok: true,
      channel: channel.id,
      ts,
      text: stored.text,
      message: { ...content, attachments: stored.attachments, thread_ts: stored.thread_ts },
      ...meta,
    });
  }

  const server = await startServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path.startsWith('/api/')) return webApi(path.slice('/api/'.length), req, res);
    return webhook(req, res);
  });

  return {
    url: server.url,
    apiUrl: `${server.url}/api`,
    webhookUrl: `${server.url}${webhookPath}`,
    token,
    requests: server.requests,
    messages,
    webhookPosts,
    rejected,
    fail(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    close: () => server.close(),
  };
}
