// The demo's local stand-ins for what a deploy talks to, on 127.0.0.1:
//   - the environment's router: forwards to the release that is live (./live/port)
//   - a Slack-compatible endpoint (Web API chat.postMessage/chat.update, and
//     incoming webhooks) that prints every message it receives
//   - GitHub's Deployments REST API (create, list, statuses), in memory
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
        close: () => new Promise((done) => {
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
      { host: '127.0.0.1', port: Number(readFileSync(portFile, 'utf8')), method: req.method, path: req.url, headers: req.headers, timeout: 5000 },
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

const EMOJI = { rocket: '🚀', white_check_mark: '✅', x: '❌', leftwards_arrow_with_hook: '↩️', hourglass_flowing_sand: '⏳', white_circle: '⚪', fast_forward: '⏩', no_entry_sign: '🚫' };

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
function renderMessage(payload) {
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

/**
 * A Slack-compatible endpoint: Web API at /api (bearer token required, JSON
 * or form bodies) and incoming webhooks at /services/…. Every message is
 * printed; `messages` keeps them for the result table.
 */
export async function startSlack({ token, print }) {
  const messages = [];
  let next = 1;
  const service = await listen((req, res, body) => {
    const path = new URL(req.url, 'http://slack').pathname;
    const payload = /json/.test(req.headers['content-type'] ?? '') ? JSON.parse(body || '{}') : Object.fromEntries(new URLSearchParams(body));
    if (typeof payload.blocks === 'string') payload.blocks = JSON.parse(payload.blocks);
    if (path.startsWith('/services/')) {
      messages.push({ method: 'webhook', payload });
      print('webhook', undefined, renderMessage(payload));
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('ok');
    }
    if (req.headers.authorization !== `Bearer ${token}`) return json(res, 200, { ok: false, error: 'invalid_auth' });
    if (path === '/api/chat.postMessage' || path === '/api/chat.update') {
      if (!payload.channel) return json(res, 200, { ok: false, error: 'channel_not_found' });
      const update = path === '/api/chat.update';
      if (update && !messages.some((m) => m.ts === payload.ts)) return json(res, 200, { ok: false, error: 'message_not_found' });
      const ts = update ? payload.ts : `1700000000.${String(next++).padStart(6, '0')}`;
      messages.push({ method: update ? 'chat.update' : 'chat.postMessage', ts, payload });
      print(update ? 'chat.update' : 'chat.postMessage', ts, renderMessage(payload));
      return json(res, 200, { ok: true, channel: 'C0DEMO', ts, message: { ts, text: payload.text } });
    }
    json(res, 404, { ok: false, error: 'unknown_method' });
  });
  return { ...service, apiUrl: `${service.url}/api`, messages };
}

/** GitHub's Deployments REST API for one repository, in memory, newest first as GitHub lists them. */
export async function startGitHub({ repository, print }) {
  const deployments = [];
  const statuses = new Map();
  let ids = 1;
  const service = await listen((req, res, body) => {
    const url = new URL(req.url, 'http://github');
    const prefix = `/repos/${repository}/deployments`;
    if (!req.headers.authorization) return json(res, 401, { message: 'Requires authentication' });
    if (!url.pathname.startsWith(prefix)) return json(res, 404, { message: 'Not Found' });
    const rest = url.pathname.slice(prefix.length).split('/').filter(Boolean);
    const input = body ? JSON.parse(body) : {};
    const find = () => deployments.find((d) => d.id === Number(rest[0]));

    if (!rest.length && req.method === 'POST') {
      if (!input.ref) return json(res, 422, { message: 'Invalid request: "ref" is required' });
      const deployment = {
        id: ids++,
        url: `${service.url}${prefix}/${ids - 1}`,
        sha: input.ref,
        ref: input.ref,
        task: input.task ?? 'deploy',
        payload: input.payload ?? {},
        environment: input.environment ?? 'production',
        description: input.description ?? null,
        production_environment: input.production_environment ?? input.environment === 'production',
        transient_environment: input.transient_environment ?? false,
        created_at: new Date().toISOString(),
      };
      deployments.unshift(deployment);
      statuses.set(deployment.id, []);
      return json(res, 201, deployment);
    }
    if (!rest.length && req.method === 'GET') {
      const env = url.searchParams.get('environment');
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      return json(res, 200, deployments.filter((d) => !env || d.environment === env).slice(0, perPage));
    }
    const deployment = find();
    if (!deployment) return json(res, 404, { message: 'Not Found' });
    if (rest.length === 1 && req.method === 'GET') return json(res, 200, deployment);
    if (rest[1] === 'statuses' && req.method === 'POST') {
      const states = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
      if (!states.includes(input.state)) return json(res, 422, { message: `Invalid request: state must be one of ${states.join(', ')}` });
      const status = { id: ids++, state: input.state, description: input.description ?? '', environment: deployment.environment, environment_url: input.environment_url ?? '', log_url: input.log_url ?? '', created_at: new Date().toISOString() };
      statuses.get(deployment.id).unshift(status);
      const version = deployment.payload?.image ?? deployment.payload?.version ?? deployment.ref;
      print(deployment, status, version);
      // auto_inactive (default true): earlier successful deployments of the environment become inactive.
      if (input.state === 'success' && input.auto_inactive !== false && !deployment.production_environment) {
        for (const other of deployments) {
          if (other.id !== deployment.id && other.environment === deployment.environment && statuses.get(other.id)[0]?.state === 'success') {
            statuses.get(other.id).unshift({ ...statuses.get(other.id)[0], id: ids++, state: 'inactive', created_at: new Date().toISOString() });
          }
        }
      }
      return json(res, 201, status);
    }
    if (rest[1] === 'statuses' && req.method === 'GET') return json(res, 200, statuses.get(deployment.id));
    json(res, 404, { message: 'Not Found' });
  });
  return { ...service, deployments, statuses };
}
