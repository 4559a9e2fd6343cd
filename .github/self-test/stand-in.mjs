// The stand-ins self-test.yml runs the actions against, on 127.0.0.1:PORT:
// an application (GET /health answers {"status":"ok"}, GET / a page) and a
// Slack incoming webhook (POST /slack/webhook, checked as Slack checks a
// payload; GET /slack/received lists what it accepted).
//   node .github/self-test/stand-in.mjs PORT
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const received = [];

const send = (res, status, type, body) => {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
};

createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const route = `${req.method} ${req.url}`;
    if (route === 'GET /health') return send(res, 200, 'application/json', '{"status":"ok"}');
    if (route === 'GET /') return send(res, 200, 'text/html', '<h1>deploy-actions self-test</h1>');
    if (route === 'GET /slack/received') return send(res, 200, 'application/json', JSON.stringify(received));
    if (route !== 'POST /slack/webhook') return send(res, 404, 'text/plain', 'not found');
    // Slack's answers: 400 invalid_payload for bad JSON, 400 no_text without text or blocks.
    let payload;
    try {
      payload = JSON.parse(body);
    } catch {
      return send(res, 400, 'text/plain', 'invalid_payload');
    }
    if (typeof payload !== 'object' || payload === null || (!payload.text && !payload.blocks))
      return send(res, 400, 'text/plain', 'no_text');
    received.push(payload);
    send(res, 200, 'text/plain', 'ok');
  });
}).listen(port, '127.0.0.1', () => console.log(`stand-in listening on http://127.0.0.1:${port}`));
