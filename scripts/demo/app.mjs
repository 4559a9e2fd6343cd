// The demo's sample application: one process per release, started as
// `node app.mjs <image> <port-file>`. It listens on a free port, writes the
// port to <port-file>, and serves `/`, `/api/version` and `/health`.
// Release 3.0.0 is built broken: it answers every page, but its health check
// reports a failed database migration (500), which only the health gate catches.
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';

const [image = 'demo/shop:0.0.0', portFile] = process.argv.slice(2);
const version = image.split(':').pop();
const broken = version === '3.0.0';

const server = createServer((req, res) => {
  const send = (status, type, body) => {
    res.writeHead(status, { 'content-type': type, 'x-app-version': version });
    res.end(body);
  };
  if (req.url === '/health') {
    return broken
      ? send(
          500,
          'application/json',
          JSON.stringify({ status: 'fail', version, checks: { database: 'migration 0042 missing' } }),
        )
      : send(200, 'application/json', JSON.stringify({ status: 'ok', version, checks: { database: 'ok' } }));
  }
  if (req.url === '/api/version') return send(200, 'application/json', JSON.stringify({ version }));
  if (req.url === '/') return send(200, 'text/html', `<h1>Shop ${version}</h1>`);
  send(404, 'text/plain', 'not found');
});

server.listen(0, '127.0.0.1', () => {
  if (portFile) writeFileSync(portFile, String(server.address().port));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
