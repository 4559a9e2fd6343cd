/**
 * Test images without pulling anything, FROM scratch out of Debian binaries:
 * build contexts with the static busybox (busybox-static) serving /www with
 * `busybox httpd` on port 8080 (for build-push), and ready-built app and
 * proxy images from the demo's image builder (for the deploy tests).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cgiAnswer, proxyImage as nginxImage, webImage } from '../../scripts/demo/images.mjs';

export const BUSYBOX = '/bin/busybox';

/** The default Dockerfile: a web app whose /health answers {"status":"ok"}. */
export const BUSYBOX_DOCKERFILE = [
  'FROM scratch',
  'COPY busybox /bin/busybox',
  'COPY www /www',
  'EXPOSE 8080',
  'CMD ["/bin/busybox","httpd","-f","-p","8080","-h","/www"]',
  '',
].join('\n');

export interface ContextOptions {
  /** Folder to write into; a fresh temp folder by default. */
  dir?: string;
  /** Dockerfile text; `false` writes none (to test a missing Dockerfile). */
  dockerfile?: string | false;
  /** Extra files, path relative to the context → content (e.g. `www/version`). */
  files?: Record<string, string>;
  /** Body of www/health; `false` leaves it out (an unhealthy app). */
  health?: string | false;
}

/** Write a build context with busybox, www/ and a Dockerfile; returns its path. */
export function busyboxContext(options: ContextOptions = {}): string {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} missing: apt-get install busybox-static`);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'busybox-ctx-'));
  mkdirSync(join(dir, 'www'), { recursive: true });
  copyFileSync(BUSYBOX, join(dir, 'busybox'));
  if (options.health !== false) writeFileSync(join(dir, 'www/health'), options.health ?? '{"status":"ok"}\n');
  if (options.dockerfile !== false) writeFileSync(join(dir, 'Dockerfile'), options.dockerfile ?? BUSYBOX_DOCKERFILE);
  for (const [path, content] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** Build a busybox image under `tag` with the classic builder (under a second); returns its image id. */
export function buildBusyboxImage(tag: string, options: ContextOptions = {}): string {
  const dir = busyboxContext(options);
  const iid = join(dir, '.iid');
  execFileSync('docker', ['build', '-q', '--iidfile', iid, '-t', tag, dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
  return readFileSync(iid, 'utf8').trim();
}

/** Remove images by reference, ignoring ones already gone. */
export function removeImages(refs: readonly string[]): void {
  if (refs.length) execFileSync('docker', ['image', 'rm', '-f', ...refs], { stdio: 'ignore' });
}

export const APP = 'deploy-test-app';
export const PROXY = 'deploy-test-proxy:1';

/** `deploy-test-app:<version>`: / and /health answer with the version. */
export function appImage(version: string): string {
  return webImage(`${APP}:${version}`, {
    'index.html': `${version}\n`,
    health: `{"status":"ok","version":"${version}"}\n`,
  });
}

/** A release that starts but is never healthy: /health redirects to a folder whose CGI answers 500. */
export function brokenAppImage(version: string): string {
  return webImage(`${APP}:${version}`, {
    'index.html': `${version}\n`,
    'health/': '',
    'cgi-bin/index.cgi': cgiAnswer('500 Internal Server Error', { status: 'broken', version }),
  });
}

export function proxyImage(): string {
  return nginxImage(PROXY);
}
