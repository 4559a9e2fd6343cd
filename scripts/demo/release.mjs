// The demo's "platform CLI", called by the command provider's scripts:
//   node release.mjs deploy     start $DEPLOY_IMAGE, switch traffic to it, stop the old release
//   node release.mjs rollback   the same for $DEPLOY_VERSION (the release to return to)
// The demo's router sends the environment's traffic to the port in
// ./live/port; each release runs as its own process (pid in ./live/pid).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [command] = process.argv.slice(2);
const image = command === 'rollback' ? process.env.DEPLOY_VERSION : process.env.DEPLOY_IMAGE;
if (!image || !['deploy', 'rollback'].includes(command)) {
  console.error('usage: node release.mjs deploy|rollback (with DEPLOY_IMAGE or DEPLOY_VERSION set)');
  process.exit(2);
}

const live = 'live';
mkdirSync(live, { recursive: true });
const portFile = join(live, `${Date.now()}.port`);
const app = fileURLToPath(new URL('./app.mjs', import.meta.url));
const log = openSync(join(live, 'app.log'), 'a');
// Detached, with its output in a file: the release outlives this script.
const child = spawn(process.execPath, [app, image, portFile], { detached: true, stdio: ['ignore', log, log] });
child.unref();

const deadline = Date.now() + 10_000;
while (!existsSync(portFile)) {
  if (Date.now() > deadline) {
    console.error(`${image} did not start within 10s`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 50));
}
const port = readFileSync(portFile, 'utf8');
rmSync(portFile);
console.log(`started ${image} (pid ${child.pid}) on 127.0.0.1:${port}`);

const oldPid = existsSync(join(live, 'pid')) ? Number(readFileSync(join(live, 'pid'), 'utf8')) : undefined;
writeFileSync(join(live, 'port'), port);
writeFileSync(join(live, 'pid'), String(child.pid));
writeFileSync(join(live, 'image'), image);
console.log(`traffic switched to ${image}`);
if (oldPid) {
  try {
    process.kill(oldPid, 'SIGTERM');
    console.log(`stopped the previous release (pid ${oldPid})`);
  } catch {
    // already gone
  }
}
