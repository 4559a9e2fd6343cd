// The demo's environment router on 127.0.0.1 (it forwards to the release
// that is live, ./live/port), and Slack messages as readable lines. Slack and
// GitHub themselves are the test suite's doubles (tests/fakes).
import { createServer, request } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function listen(handler) {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        handler(req, res, body);
      } catch (error) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    ),
  );
}

const json = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
};

/** The environment URL: whatever release ./live/port names answers; 502 when none is live. */
export function startRouter(workspace) {
  return listen((req, res, body) => {
    const portFile = join(workspace, 'live', 'port');
    if (!existsSync(portFile)) return json(res, 502, { error: 'no release is live' });
    const upstream = request(
      {
        host: '127.0.0.1',
        port: Number(readFileSync(portFile, 'utf8')),
        method: req.method,
        path: req.url,
        headers: req.headers,
        timeout: 5000,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error('upstream timed out')));
    upstream.on('error', (error) => !res.headersSent && json(res, 502, { error: `upstream: ${error.message}` }));
    upstream.end(body);
  });
}

const EMOJI = {
  rocket: '🚀',
  white_check_mark: '✅',
  x: '❌',
  leftwards_arrow_with_hook: '↩️',
  hourglass_flowing_sand: '⏳',
  white_circle: '⚪',
  fast_forward: '⏩',
  no_entry_sign: '🚫',
};

/** Slack mrkdwn to plain text: `<url|label>` → label, `*bold*` → bold, `:x:` → ❌. */
const plain = (text = '') =>
  String(text)
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2')
    .replace(/<([^>]+)>/g, '$1')
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/:([a-z_]+):/g, (m, name) => EMOJI[name] ?? m)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** One Slack message as a few readable lines: header, text, fields, stages. */
export function renderMessage(payload) {
  const lines = [];
  const blocks = [...(payload.blocks ?? []), ...(payload.attachments ?? []).flatMap((a) => a.blocks ?? [])];
  for (const block of blocks) {
    if (block.type === 'header') lines.push(plain(block.text?.text));
    else if (block.type === 'section') {
      if (block.text?.text) lines.push(plain(block.text.text));
      if (block.fields?.length) lines.push(block.fields.map((f) => plain(f.text).replace(/\n/g, ': ')).join(' · '));
    }
  }
  if (!lines.length) lines.push(plain(payload.text));
  return lines.filter(Boolean);
}
