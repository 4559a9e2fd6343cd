// Container images built FROM scratch out of this machine's Debian binaries
// (nothing can be pulled): a busybox web server serving a folder, and an
// nginx proxy. Used by the Docker demo (DEMO_TARGET=docker) and the tests.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const CONTENT_LABEL = 'deploy-actions.test-content';

/** The image's content hash label, when `tag` exists. */
const builtContent = (tag) =>
  spawnSync('docker', ['image', 'inspect', '--format', `{{index .Config.Labels "${CONTENT_LABEL}"}}`, tag], {
    encoding: 'utf8',
  }).stdout?.trim();

/** What the image is made of, hashed: its files (host files by content) and its Dockerfile. */
function contentHash(files, dockerfile) {
  const hash = createHash('sha256').update(dockerfile);
  for (const [path, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    hash
      .update(`\0${path}\0`)
      .update(typeof content === 'string' ? content : readFileSync(content.from))
      .update(`\0${content.mode ?? ''}`);
  }
  return hash.digest('hex');
}

/**
 * Build `tag` from a Dockerfile and a rootfs: `files` maps a path in the
 * image to its text, to `{ from, mode }` (a host file) or, for a path ending
 * in `/`, an empty folder. Built once per content: a tag whose content label
 * matches is reused (by every test file and run), any other is rebuilt.
 */
function build(tag, files, dockerfile) {
  const content = contentHash(files, dockerfile);
  if (builtContent(tag) === content) return tag;
  const dir = mkdtempSync(join(tmpdir(), 'img-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      const target = join(dir, 'rootfs', path);
      mkdirSync(path.endsWith('/') ? target : dirname(target), { recursive: true });
      if (path.endsWith('/')) continue;
      if (typeof content === 'string') writeFileSync(target, content, { mode: path.endsWith('.cgi') ? 0o755 : 0o644 });
      else {
        copyFileSync(content.from, target);
        if (content.mode) chmodSync(target, content.mode);
      }
    }
    writeFileSync(
      join(dir, 'Dockerfile'),
      `FROM scratch\nCOPY rootfs/ /\n${dockerfile}LABEL ${CONTENT_LABEL}=${content}\n`,
    );
    // The classic builder's deprecation notice goes to stderr: show it only when the build fails.
    const built = spawnSync('docker', ['build', '-q', '-t', tag, dir], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`docker build of ${tag} failed: ${built.stderr || built.error?.message}`);
    return tag;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * busybox httpd on port 8080 serving `www` (path → text). A `*.cgi` file is
 * executable: busybox runs `cgi-bin/index.cgi` for a folder without an
 * index.html, which is how a page answers with a status other than 200.
 */
export function webImage(tag, www) {
  const files = { 'bin/busybox': { from: '/bin/busybox', mode: 0o755 } };
  for (const [path, content] of Object.entries(www)) files[`www/${path}`] = content;
  return build(
    tag,
    files,
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]\nEXPOSE 8080\nCMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]\n',
  );
}

/** A CGI script answering every request with `status` and a JSON body. */
export function cgiAnswer(status, json) {
  return `#!/bin/sh\nprintf 'Status: ${status}\\r\\nContent-Type: application/json\\r\\n\\r\\n%s\\n' '${JSON.stringify(json)}'\n`;
}

/** nginx from Debian's nginx-light with the libraries ldd lists. */
export function proxyImage(tag) {
  if (!existsSync('/usr/sbin/nginx'))
    throw new Error('/usr/sbin/nginx is missing: install the Debian package nginx-light (listed in .ci/apt-packages)');
  const libs = execFileSync('ldd', ['/usr/sbin/nginx'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /(\/\S+) \(0x/.exec(line)?.[1])
    .filter(Boolean);
  const files = {
    'usr/sbin/nginx': { from: '/usr/sbin/nginx', mode: 0o755 },
    'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    'etc/group': 'root:x:0:\nnobody:x:65534:\nnogroup:x:65534:\n',
    'tmp/': '',
    'run/': '',
    'var/lib/nginx/': '',
    'var/log/nginx/': '',
  };
  for (const lib of libs) files[lib.slice(1)] = { from: lib };
  return build(tag, files, 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin\nCMD ["nginx", "-g", "daemon off;"]\n');
}
