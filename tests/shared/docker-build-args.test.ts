import { describe, expect, it } from 'vitest';
import {
  buildxArgs,
  cacheArgs,
  effectiveCache,
  isCacheExportFailure,
  parseBuildxMetadata,
} from '../../shared/docker/buildx.js';
import { classicBuildArgs, parsePushDigest } from '../../shared/docker/classic.js';
import { buildFailureMessage, failingStep } from '../../shared/docker/failure.js';
import type { BuildSpec } from '../../shared/docker/spec.js';
import { isRefused, isTransient, retryTransient } from '../../shared/docker/transient.js';

const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;
const files = { metadataFile: '/tmp/m.json', iidFile: '/tmp/iid' };
const spec = (over: Partial<BuildSpec> = {}): BuildSpec => ({
  context: '/ws/app',
  file: '/ws/app/Dockerfile',
  tags: ['ghcr.io/acme/shop:sha-abcdef0', 'ghcr.io/acme/shop:main'],
  labels: { 'org.opencontainers.image.title': 'shop', team: 'a b=c' },
  buildArgs: { VERSION: '1.2.3', FLAGS: '--x=1 --y' },
  platforms: [],
  push: true,
  cache: 'none',
  image: 'ghcr.io/acme/shop',
  ...over,
});

describe('buildx argv', () => {
  it('push: every tag, label and build arg as separate argv items, metadata file for the digest, --push, context last', () => {
    expect(buildxArgs(spec({ target: 'runtime' }), files)).toEqual([
      'docker',
      'buildx',
      'build',
      '--file',
      '/ws/app/Dockerfile',
      '--metadata-file',
      '/tmp/m.json',
      '--iidfile',
      '/tmp/iid',
      '--tag',
      'ghcr.io/acme/shop:sha-abcdef0',
      '--tag',
      'ghcr.io/acme/shop:main',
      '--label',
      'org.opencontainers.image.title=shop',
      '--label',
      'team=a b=c',
      '--build-arg',
      'VERSION=1.2.3',
      '--build-arg',
      'FLAGS=--x=1 --y',
      '--target',
      'runtime',
      '--push',
      '/ws/app',
    ]);
  });

  it('push: false loads a single-platform image; multi-platform cannot be loaded', () => {
    const single = buildxArgs(spec({ push: false }), files);
    expect(single).toContain('--load');
    expect(single).not.toContain('--push');
    const multi = buildxArgs(spec({ push: false, platforms: ['linux/amd64', 'linux/arm64'] }), files);
    expect(multi).not.toContain('--load');
    expect(multi.slice(multi.indexOf('--platform'), multi.indexOf('--platform') + 2)).toEqual([
      '--platform',
      'linux/amd64,linux/arm64',
    ]);
  });

  it('a remote context has no --file unless given', () => {
    const argv = buildxArgs(spec({ context: 'https://github.com/acme/shop.git#main', file: undefined }), files);
    expect(argv).not.toContain('--file');
    expect(argv.at(-1)).toBe('https://github.com/acme/shop.git#main');
  });

  it('cache: gha scoped per image, registry at <image>:buildcache; exports never fail the build', () => {
    expect(cacheArgs(spec({ cache: 'gha' }))).toEqual([
      '--cache-from',
      'type=gha,scope=ghcr.io-acme-shop',
      '--cache-to',
      'type=gha,scope=ghcr.io-acme-shop,mode=max,ignore-error=true',
    ]);
    expect(cacheArgs(spec({ cache: 'registry' }))).toEqual([
      '--cache-from',
      'type=registry,ref=ghcr.io/acme/shop:buildcache',
      '--cache-to',
      'type=registry,ref=ghcr.io/acme/shop:buildcache,mode=max,ignore-error=true',
    ]);
    expect(cacheArgs(spec({ cache: 'none' }))).toEqual([]);
    const retry = buildxArgs(spec({ cache: 'registry' }), files, { exportCache: false });
    expect(retry).toContain('--cache-from');
    expect(retry).not.toContain('--cache-to');
    expect(buildxArgs(spec({ cache: 'gha' }), files)).toContain('--cache-to');
  });

  it('gha cache needs the runner cache credentials', () => {
    expect(effectiveCache('gha', { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'https://r/' })).toEqual({
      mode: 'gha',
    });
    expect(effectiveCache('gha', {})).toMatchObject({
      mode: 'none',
      note: expect.stringContaining('ACTIONS_RUNTIME_TOKEN'),
    });
    expect(effectiveCache('registry', {})).toEqual({ mode: 'registry' });
  });

  it('recognises a cache export refusal, not an ordinary build failure', () => {
    expect(
      isCacheExportFailure('ERROR: Cache export is not supported for the docker driver.\nSwitch to a different driver'),
    ).toBe(true);
    expect(
      isCacheExportFailure('ERROR: failed to solve: failed to export cache: error writing layer blob: 403 Forbidden'),
    ).toBe(true);
    expect(
      isCacheExportFailure(
        'ERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2',
      ),
    ).toBe(false);
  });

  it('reads the pushed digest and the image id from the metadata file', () => {
    expect(
      parseBuildxMetadata(
        JSON.stringify({ 'containerimage.digest': D1, 'containerimage.config.digest': D2, 'image.name': 'a,b' }),
      ),
    ).toEqual({ digest: D1, imageId: D2 });
    expect(parseBuildxMetadata('{"containerimage.digest":"nope"}')).toEqual({ digest: undefined, imageId: undefined });
    expect(parseBuildxMetadata('not json')).toEqual({});
  });
});

describe('classic builder argv and push output', () => {
  it('docker build with the same tags, labels and args, no push/cache/platform flags', () => {
    const argv = classicBuildArgs(spec({ cache: 'gha' }), '/tmp/iid');
    expect(argv.slice(0, 6)).toEqual(['docker', 'build', '--file', '/ws/app/Dockerfile', '--iidfile', '/tmp/iid']);
    expect(argv).toContain('team=a b=c');
    expect(argv.some((a) => a.startsWith('--cache') || a === '--push' || a === '--platform')).toBe(false);
    expect(argv.at(-1)).toBe('/ws/app');
  });

  it('reads the digest from docker push output', () => {
    expect(parsePushDigest(`The push refers to repository [r/x]\nf745: Pushed\nmain: digest: ${D1} size: 735\n`)).toBe(
      D1,
    );
    expect(parsePushDigest('no digest here')).toBeUndefined();
  });
});

describe('build failures', () => {
  it('names the failing step (classic and BuildKit output) and strips Docker noise', () => {
    expect(failingStep('Step 1/3 : FROM scratch\nStep 3/3 : RUN make\n ---> Running in x\nmake: *** error')).toBe(
      'Step 3/3 : RUN make',
    );
    expect(
      failingStep('#5 [2/4] COPY . .\n#6 [3/4] RUN make test\n#6 0.2 fail\n------\n > [3/4] RUN make test:\n'),
    ).toBe('[3/4] RUN make test');
    expect(failingStep('ERROR: something else')).toBeUndefined();
    const message = buildFailureMessage(
      'Step 2/2 : RUN x\n\x1b[91mboom\x1b[0m\nDEPRECATED: The legacy builder is deprecated and will be removed in a future release.\n            Install the buildx component to build images with BuildKit:\n            https://docs.docker.com/go/buildx/\n\nThe command returned a non-zero code: 1',
      1,
    );
    expect(message).toBe(
      'Build failed at Step 2/2 : RUN x (docker exited with code 1). Last lines:\nStep 2/2 : RUN x\nboom\nThe command returned a non-zero code: 1',
    );
  });
});

describe('transient failures', () => {
  it.each([
    'Error response from daemon: login attempt to http://r/v2/ failed with status: 401 Unauthorized',
    'denied: permission_denied: write_package',
    'unauthorized: authentication required',
    'no basic auth credentials',
    'failed with status: 403 Forbidden',
  ])('refused, never retried: %s', (out) => {
    expect(isRefused(out)).toBe(true);
    expect(isTransient(out)).toBe(false);
  });

  it.each([
    'Get "https://r/v2/": dial tcp 1.2.3.4:443: connect: connection refused',
    'received unexpected HTTP status: 502 Bad Gateway',
    'login attempt to http://r/v2/ failed with status: 503 Service Unavailable',
    'net/http: TLS handshake timeout',
    'read: connection reset by peer',
    'toomanyrequests: Too Many Requests',
  ])('transient: %s', (out) => expect(isTransient(out)).toBe(true));

  it('retries transient failures up to the bound and stops at a refusal', async () => {
    let calls = 0;
    const flaky = await retryTransient(
      () => Promise.resolve(++calls < 3 ? { ok: false, output: '503 Service Unavailable' } : { ok: true }),
      { attempts: 5, baseDelayMs: 1 },
    );
    expect(flaky).toEqual({ ok: true, attempts: 3 });

    // Every attempt fails with `output`: how often it was tried, and what retryTransient said.
    const alwaysFailing = async (output: string) => {
      calls = 0;
      const result = await retryTransient(() => Promise.resolve((calls++, { ok: false, output })), {
        attempts: 3,
        baseDelayMs: 1,
      });
      return { result, calls };
    };
    const down = await alwaysFailing('connection refused');
    expect(down.result).toMatchObject({ ok: false, attempts: 3 });
    expect(down.calls).toBe(3);

    const refused = await alwaysFailing('401 Unauthorized');
    expect(refused.result).toMatchObject({ ok: false, attempts: 1 });
    expect(refused.calls).toBe(1);
  });
});
