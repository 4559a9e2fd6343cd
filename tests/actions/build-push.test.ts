/**
 * build-push through its bundle, against a real Docker engine (classic
 * builder: there is no buildx here) and a real registry with htpasswd auth.
 * Results are checked through the registry's HTTP API.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable, ensureDocker } from '../harness/infra.js';
import { busyboxContext, removeImages } from '../harness/images.js';
import { startGitHubDouble } from '../fakes/github.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';
import { runAction, visibleText, type RunOptions } from '../harness/runner.js';

const REGISTRY_PORT = 5055;
const SHA = '0123456789abcdef0123456789abcdef01234567';
const EVENT_REPOSITORY = {
  name: 'shop',
  description: 'The shop front',
  html_url: 'https://github.com/acme/shop',
  default_branch: 'main',
  license: { spdx_id: 'MIT' },
};

await ensureDocker();
const hasDocker = dockerAvailable();
/** No buildx on these machines (classic builder); a machine with it takes the buildx path. */
const BUILDER = spawnSync('docker', ['buildx', 'version'], { stdio: 'ignore' }).status === 0 ? 'buildx' : 'classic';

describe.skipIf(!hasDocker)('build-push (real Docker engine + registry with auth)', () => {
  let registry: TestRegistry;
  let dockerConfig: string;
  const images: string[] = [];

  beforeAll(async () => {
    registry = await startRegistry({ port: REGISTRY_PORT });
    // Our own client config: logins of this file never touch ~/.docker (other suites share the engine).
    dockerConfig = mkdtempSync(join(tmpdir(), 'docker-config-'));
  });

  afterAll(async () => {
    await registry?.stop();
    removeImages(images);
  });

  /** Run the action on a fresh busybox context as the workspace, with the registry's credentials. */
  async function build(repo: string, options: RunOptions & { ref?: string } = {}) {
    const { ref = 'refs/heads/main', ...rest } = options;
    const image = `${registry.host}/acme/${repo}`;
    const run = await runAction('build-push', {
      workspace: rest.workspace ?? busyboxContext(),
      timeoutMs: 90_000,
      event: { repository: EVENT_REPOSITORY },
      ...rest,
      inputs: { image, username: registry.username, password: registry.password, ...rest.inputs },
      env: {
        DOCKER_CONFIG: dockerConfig,
        GITHUB_SHA: SHA,
        GITHUB_REF: ref,
        GITHUB_REF_NAME: ref.replace(/^refs\/(heads|tags)\//, ''),
        GITHUB_REF_TYPE: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
        ...rest.env,
      },
    });
    for (const line of (run.outputs.tags ?? '').split('\n').filter(Boolean)) images.push(line);
    return { run, image, path: `acme/${repo}` };
  }

  it('branch push to the default branch: sha, branch and latest tags; digest equals the registry Docker-Content-Digest; OCI labels on the pushed image; post step logs out', async () => {
    const { run, image, path } = await build('main-push', {
      inputs: { labels: 'com.acme.team=checkout\norg.opencontainers.image.licenses=Apache-2.0' },
    });
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);

    expect(await registry.tags(path)).toEqual(['latest', 'main', 'sha-0123456']);
    expect(run.outputs.tags.split('\n')).toEqual([`${image}:sha-0123456`, `${image}:main`, `${image}:latest`]);
    expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const tag of ['latest', 'main', 'sha-0123456'])
      expect(await registry.digest(path, tag)).toBe(run.outputs.digest);
    expect(run.outputs['image-ref']).toBe(`${image}@${run.outputs.digest}`);
    expect(await registry.digest(path, run.outputs.digest)).toBe(run.outputs.digest);
    expect(run.outputs.imageid).toMatch(/^sha256:[0-9a-f]{64}$/);

    const labels = (await registry.config(path, 'main')).config?.Labels ?? {};
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': 'shop',
      'org.opencontainers.image.description': 'The shop front',
      'org.opencontainers.image.url': 'https://github.com/acme/shop',
      'org.opencontainers.image.source': 'https://github.com/acme/shop',
      'org.opencontainers.image.version': 'main',
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.licenses': 'Apache-2.0', // the extra label wins
      'com.acme.team': 'checkout',
    });
    expect(Date.parse(labels['org.opencontainers.image.created'])).toBeGreaterThan(Date.now() - 120_000);
    expect(JSON.parse(run.outputs.labels)).toEqual(labels);

    const metadata = JSON.parse(run.outputs.metadata);
    expect(metadata).toMatchObject({
      image,
      digest: run.outputs.digest,
      imageRef: run.outputs['image-ref'],
      pushed: true,
      builder: BUILDER,
    });
    expect(metadata.size).toBeGreaterThan(500_000); // busybox is ~1–2 MB

    expect(run.summary).toContain(run.outputs.digest);
    expect(run.summary).toContain(`${image}:latest`);
    expect(run.summary).toMatch(/Size \| [\d.]+ MB/);
    expect(run.summary).toContain('Build time');
    expect(run.stdout).toContain('::group::docker build');
    expect(run.masks).toContain(registry.password);
    expect(visibleText(run)).not.toContain(registry.password);

    // Logged in during the step, logged out by the post step.
    expect(run.state.registry).toBe(registry.host);
    expect(run.post?.code).toBe(0);
    expect(run.post?.stdout).toContain(`Logged out of ${registry.host}`);
    expect(readFileSync(join(dockerConfig, 'config.json'), 'utf8')).not.toContain(registry.host);
  });

  it('feature branch push: sanitised branch tag, no latest', async () => {
    const { run, path } = await build('feature', { ref: 'refs/heads/Feature/Login Form#2' });
    expect(run.errors).toEqual([]);
    expect(await registry.tags(path)).toEqual(['feature-login-form-2', 'sha-0123456']);
  });

  it('semver tag v1.2.3: 1.2.3, 1.2, 1 and latest', async () => {
    const { run, path } = await build('semver', { ref: 'refs/tags/v1.2.3' });
    expect(run.errors).toEqual([]);
    expect(await registry.tags(path)).toEqual(['1', '1.2', '1.2.3', 'latest', 'sha-0123456']);
    expect(await registry.digest(path, '1.2.3')).toBe(run.outputs.digest);
    expect((await registry.config(path, '1')).config?.Labels?.['org.opencontainers.image.version']).toBe('1.2.3');
  });

  it('prerelease tag v2.0.0-rc.1: only the full version, no latest, no major/minor', async () => {
    const { run, path } = await build('prerelease', { ref: 'refs/tags/v2.0.0-rc.1' });
    expect(run.errors).toEqual([]);
    expect(await registry.tags(path)).toEqual(['2.0.0-rc.1', 'sha-0123456']);
  });

  it('pull request: pr-<number> and sha, never latest or a branch tag', async () => {
    const { run, path } = await build('pull', {
      ref: 'refs/pull/42/merge',
      eventName: 'pull_request',
      event: { number: 42, pull_request: { number: 42 }, repository: EVENT_REPOSITORY },
      inputs: { tags: 'preview' },
    });
    expect(run.errors).toEqual([]);
    expect(await registry.tags(path)).toEqual(['pr-42', 'preview', 'sha-0123456']);
    expect((await registry.config(path, 'pr-42')).config?.Labels?.['org.opencontainers.image.version']).toBe('pr-42');
  });

  it("pull request with sha-source: pr-head: the sha tag and the revision label name the PR's head commit, not the merge commit", async () => {
    const head = 'fedcba9876543210fedcba9876543210fedcba98';
    const { run, path } = await build('pull-head', {
      ref: 'refs/pull/43/merge',
      eventName: 'pull_request',
      event: { number: 43, pull_request: { number: 43, head: { sha: head } }, repository: EVENT_REPOSITORY },
      inputs: { 'sha-source': 'pr-head' },
    });
    expect(run.errors).toEqual([]);
    expect(await registry.tags(path)).toEqual(['pr-43', 'sha-fedcba9']);
    expect((await registry.config(path, 'pr-43')).config?.Labels?.['org.opencontainers.image.revision']).toBe(head);
  });

  it('a scheduled run (its payload has no repository): default branch, description and licence read from the GitHub API test double, so master keeps latest; an API that cannot be reached only warns', async () => {
    const github = await startGitHubDouble({
      token: 'ghs_test_token_0123456789',
      repository: 'acme/shop',
      repositoryInfo: {
        default_branch: 'master',
        description: 'The shop front',
        license: { key: 'mit', name: 'MIT License', spdx_id: 'MIT' },
      },
    });
    try {
      const { run, path } = await build('scheduled', {
        ref: 'refs/heads/master',
        eventName: 'schedule',
        event: { schedule: '0 3 * * *' },
        env: { GITHUB_API_URL: github.url },
      });
      expect(run.errors).toEqual([]);
      expect(run.warnings).toEqual([]);
      expect(run.stdout).toContain(
        'The schedule event does not describe the repository: read acme/shop from the GitHub API (default branch master)',
      );
      expect(await registry.tags(path)).toEqual(['latest', 'master', 'sha-0123456']);
      expect((await registry.config(path, 'master')).config?.Labels).toMatchObject({
        'org.opencontainers.image.title': 'shop',
        'org.opencontainers.image.description': 'The shop front',
        'org.opencontainers.image.licenses': 'MIT',
        'org.opencontainers.image.url': 'https://github.com/acme/shop',
        'org.opencontainers.image.version': 'master',
      });
      expect(github.server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /repos/acme/shop']);
      expect(github.problems).toEqual([]);
    } finally {
      await github.close();
    }
    // Nothing listens on port 9: the run still builds, says what it assumed, and the schedule's ref is the default
    // branch.
    const { run } = await build('scheduled-offline', {
      ref: 'refs/heads/master',
      eventName: 'schedule',
      event: { schedule: '0 3 * * *' },
      env: { GITHUB_API_URL: 'http://127.0.0.1:9' },
      inputs: { push: 'false', password: '' },
    });
    expect(run.code).toBe(0);
    expect(run.warnings).toEqual([
      expect.stringMatching(
        /^The schedule event does not describe the repository and the GitHub API could not be read \(GitHub API GET \/repos\/acme\/shop: .*\): the default branch is master, as schedule runs on it; the description and licence labels are left empty\.$/,
      ),
    ]);
    expect(run.outputs.tags.split('\n').map((t) => t.split(':').at(-1))).toEqual(['sha-0123456', 'master', 'latest']);
    expect(JSON.parse(run.outputs.labels)['org.opencontainers.image.description']).toBe('');
  });

  it('push: false builds locally, logs in nowhere, pushes nothing and still outputs the image id', async () => {
    const { run, image, path } = await build('local-only', { inputs: { push: 'false', password: '' } });
    expect(run.errors).toEqual([]);
    expect(run.outputs.digest).toBe('');
    expect(run.outputs['image-ref']).toBe('');
    expect(run.outputs.imageid).toMatch(/^sha256:[0-9a-f]{64}$/);
    const local = execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', `${image}:main`], {
      encoding: 'utf8',
    }).trim();
    expect(local).toBe(run.outputs.imageid);
    expect(await registry.tags(path)).toEqual([]);
    expect(run.state.registry).toBeUndefined();
    expect(run.summary).toContain('no (push: false)');
  });

  it('build-args and target reach the build; a secret-looking build arg is warned about', async () => {
    const ws = busyboxContext({
      dockerfile:
        'FROM scratch AS app\nCOPY busybox /bin/busybox\nARG VERSION\nLABEL app.version=$VERSION\nFROM app AS debug\nLABEL stage=debug\n',
    });
    const { run } = await build('args', {
      workspace: ws,
      inputs: { push: 'false', 'tag-rules': 'sha', 'build-args': 'VERSION=1.2.3\nAPI_TOKEN=not-really', target: 'app' },
    });
    expect(run.errors).toEqual([]);
    const labels = JSON.parse(
      execFileSync('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', run.outputs.imageid], {
        encoding: 'utf8',
      }),
    );
    expect(labels['app.version']).toBe('1.2.3');
    expect(labels.stage).toBeUndefined();
    expect(run.warnings.join('\n')).toContain('Build arg API_TOKEN looks like a secret');
  });

  it('wrong password: login refused for the registry, not retried, password never printed', async () => {
    const password = 'wrong-pass-7f3a9c';
    const { run, path } = await build('denied', { inputs: { password } });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toContain(`Login refused for ${registry.host} (user "ci")`);
    expect(run.stdout).not.toContain('retrying');
    expect(run.masks).toContain(password);
    expect(visibleText(run)).not.toContain(password);
    expect(run.errors.join('\n')).not.toContain('at ');
    expect(run.post?.stdout ?? '').not.toContain('Logged out');
    expect(await registry.tags(path)).toEqual([]);
  });

  it('transient login and push failures (registry answers 503 at first) are retried with backoff, then push', async () => {
    // A pass-through proxy in front of the registry whose /v2/ answers 503 twice (the engine probes /v2/ twice per
    // login), and whose first manifest upload answers 503.
    let failures = 2;
    let manifestFailures = 1;
    const proxy: Server = createServer((req, res) => {
      if (req.url === '/v2/' && failures > 0) {
        failures--;
        res.writeHead(503).end('unavailable');
        return;
      }
      if (req.method === 'PUT' && req.url?.includes('/manifests/') && manifestFailures > 0) {
        manifestFailures--;
        req.resume();
        res.writeHead(503).end('unavailable');
        return;
      }
      const upstream = httpRequest(
        { host: '127.0.0.1', port: REGISTRY_PORT, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((done) => proxy.listen(5056, '127.0.0.1', done));
    try {
      const run = await runAction('build-push', {
        workspace: busyboxContext(),
        timeoutMs: 90_000,
        inputs: {
          image: '127.0.0.1:5056/acme/flaky',
          username: registry.username,
          password: registry.password,
          'tag-rules': 'sha',
        },
        env: { DOCKER_CONFIG: dockerConfig, GITHUB_SHA: SHA },
      });
      images.push('127.0.0.1:5056/acme/flaky:sha-0123456');
      expect(run.errors).toEqual([]);
      expect(run.stdout).toMatch(/Login to 127\.0\.0\.1:5056 failed \(attempt 1\/3, retrying in/);
      expect(run.stdout).toContain('after 2 attempts');
      expect(failures).toBe(0);
      expect(run.stdout).toMatch(
        /Push of 127\.0\.0\.1:5056\/acme\/flaky:sha-0123456 failed \(attempt 1\/3, retrying in .*503/,
      );
      expect(manifestFailures).toBe(0);
      expect(await registry.digest('acme/flaky', 'sha-0123456')).toBe(run.outputs.digest);
    } finally {
      await new Promise((done) => proxy.close(done));
    }
  });

  it('missing context and missing Dockerfile fail naming the path and the input', async () => {
    const ws = busyboxContext();
    const noContext = await runAction('build-push', {
      workspace: ws,
      inputs: { image: `${registry.host}/acme/x`, context: 'app', push: 'false' },
    });
    expect(noContext.code).toBe(1);
    expect(noContext.errors.join('\n')).toContain(`Build context not found: ${join(ws, 'app')} is not a directory`);

    const noDockerfile = await runAction('build-push', {
      workspace: busyboxContext({ dockerfile: false }),
      inputs: { image: `${registry.host}/acme/x`, push: 'false' },
    });
    expect(noDockerfile.code).toBe(1);
    expect(noDockerfile.errors.join('\n')).toMatch(
      /Dockerfile not found: .*\/Dockerfile \(the context has no Dockerfile/,
    );

    const wrongFile = await runAction('build-push', {
      workspace: ws,
      inputs: { image: `${registry.host}/acme/x`, file: 'docker/Prod.Dockerfile', push: 'false' },
    });
    expect(wrongFile.errors.join('\n')).toContain(
      `Dockerfile not found: ${join(ws, 'docker/Prod.Dockerfile')} (input "file"`,
    );
  });

  it('invalid image names fail with the input named; ghcr.io names are lower-cased', async () => {
    const bad = await runAction('build-push', {
      workspace: busyboxContext(),
      inputs: { image: `${registry.host}/Acme/Shop` },
    });
    expect(bad.code).toBe(1);
    expect(bad.errors[0]).toMatch(
      /^Invalid input: "image": expected a valid repository name.*"Acme" is not, got "127\.0\.0\.1:5055\/Acme\/Shop"/,
    );
    expect(bad.stdout).not.toContain('docker build');

    const tagged = await runAction('build-push', {
      workspace: busyboxContext(),
      inputs: { image: `${registry.host}/acme/shop:v1`, tags: 'bad tag!' },
    });
    expect(tagged.errors[0]).toContain('"image": expected a repository without a tag');

    const ghcr = await runAction('build-push', {
      workspace: busyboxContext(),
      inputs: { image: 'ghcr.io/Acme/Shop', push: 'false', 'tag-rules': 'sha' },
      env: { DOCKER_CONFIG: dockerConfig, GITHUB_SHA: SHA },
    });
    images.push('ghcr.io/acme/shop:sha-0123456');
    expect(ghcr.errors).toEqual([]);
    expect(ghcr.outputs.tags).toBe('ghcr.io/acme/shop:sha-0123456');
  });

  it('a failing build step fails with that step and its last lines', async () => {
    const ws = busyboxContext({
      dockerfile:
        'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","sh","-c","echo compiling; echo boom: missing module >&2; exit 3"]\n',
    });
    const { run } = await build('broken', { workspace: ws });
    expect(run.code).toBe(1);
    const error = run.errors.join('\n');
    // The classic builder appends one LABEL step per label, hence Step 3 of more than 3; BuildKit says [3/3].
    expect(error).toMatch(
      /^Build failed at (Step 3\/\d+ : |\[3\/3\] )RUN \["\/bin\/busybox","sh","-c","echo compiling; echo boom: missing module >&2; exit 3"\]/,
    );
    expect(error).toContain('boom: missing module');
    expect(error).toMatch(/returned a non-zero code: 3|exit code: 3/);
    expect(error).not.toContain('DEPRECATED');
    expect(error).not.toContain('\x1b[');
  });

  it('docker not installed, daemon down, and platforms without buildx are clear errors', async () => {
    const build = (env: Record<string, string>, inputs: Record<string, string> = {}) =>
      runAction('build-push', {
        workspace: busyboxContext(),
        inputs: { image: `${registry.host}/acme/x`, password: registry.password, ...inputs },
        env,
      });
    const missing = await build({ PATH: '/nonexistent' });
    expect(missing.code).toBe(1);
    expect(missing.errors[0]).toBe('docker is not installed or not on PATH');

    const down = await build({ DOCKER_HOST: 'unix:///tmp/no-such-docker.sock' });
    expect(down.code).toBe(1);
    expect(down.errors[0]).toContain('The Docker daemon is not reachable');
    expect(down.errors[0]).toContain('DOCKER_HOST=unix:///tmp/no-such-docker.sock');

    const multi = await build({ DOCKER_CONFIG: dockerConfig }, { platforms: 'linux/amd64,linux/arm64' });
    expect(multi.code).toBe(1);
    expect(multi.errors[0]).toContain('"platforms" (linux/amd64,linux/arm64) needs docker buildx');
    expect(multi.state.registry).toBeUndefined(); // refused before any login
  });
});

/**
 * Where the job token may go, with a `docker` stand-in first on PATH that
 * records every call's arguments and stdin (and answers like a daemon without
 * buildx whose builds fail): no real registry could show what was sent to
 * Docker Hub or to a registry that does not exist.
 */
describe('build-push sends the job token only to ghcr.io (docker stand-in recording argv and stdin)', () => {
  const TOKEN = 'ghs_job_token_must_stay_home_81f3';

  function standIn(): { dir: string; calls(): { argv: string[]; stdin: string }[] } {
    const dir = mkdtempSync(join(tmpdir(), 'docker-standin-'));
    const log = join(dir, 'calls.jsonl');
    const script = [
      '#!/usr/bin/env node',
      "const fs = require('node:fs');",
      "const stdin = fs.readFileSync(0, 'utf8');",
      `fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv: process.argv.slice(2), stdin }) + '\\n');`,
      'const [command] = process.argv.slice(2);',
      "if (command === 'version') console.log('20.10.24');",
      "else if (command === 'buildx' || command === 'build') { console.error('stand-in: no ' + command + ' here'); process.exit(1); }",
      '',
    ].join('\n');
    writeFileSync(join(dir, 'docker'), script, { mode: 0o755 });
    return {
      dir,
      calls: () =>
        existsSync(log)
          ? readFileSync(log, 'utf8')
              .trim()
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l))
          : [],
    };
  }

  const push = (docker: { dir: string }, inputs: Record<string, string>) =>
    runAction('build-push', {
      workspace: busyboxContext(),
      token: TOKEN,
      inputs: { 'tag-rules': 'sha', ...inputs },
      env: { PATH: `${docker.dir}:${process.env.PATH}`, GITHUB_SHA: SHA },
    });

  it.each(['acme/app', 'registry.example.test/app'])(
    'an image on %s never gets the job token: the run fails up front naming "password", docker is never called',
    async (image) => {
      const docker = standIn();
      const run = await push(docker, { image });
      expect(run.code).toBe(1);
      const registry = image.startsWith('registry.') ? 'registry.example.test' : 'docker.io';
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toContain(`"password": expected a password or token for ${registry}, got nothing`);
      expect(run.errors[0]).toContain('The job token ("github-token") is sent only to ghcr.io');
      expect(run.errors[0]).not.toContain(' at ');
      expect(docker.calls()).toEqual([]);
      expect(run.state.registry).toBeUndefined();
      expect(visibleText(run)).not.toContain(TOKEN);
    },
  );

  it('a registry set with "registry" counts, not the image\'s: docker.io given for a ghcr.io image gets no job token', async () => {
    const docker = standIn();
    const run = await push(docker, { image: 'ghcr.io/acme/app', registry: 'docker.io' });
    expect(run.code).toBe(1);
    expect(run.errors[0]).toContain('"password": expected a password or token for docker.io');
    expect(docker.calls()).toEqual([]);
  });

  it('a password given on purpose goes to its registry, and the job token still does not', async () => {
    const docker = standIn();
    const run = await push(docker, {
      image: 'registry.example.test/app',
      username: 'robot',
      password: 'explicit-pass-93kq',
    });
    const logins = docker.calls().filter((c) => c.argv[0] === 'login');
    expect(logins).toEqual([
      {
        argv: ['login', 'registry.example.test', '--username', 'robot', '--password-stdin'],
        stdin: 'explicit-pass-93kq',
      },
    ]);
    for (const call of docker.calls()) expect(JSON.stringify(call)).not.toContain(TOKEN);
    expect(run.masks).toContain('explicit-pass-93kq');
    expect(visibleText(run)).not.toContain('explicit-pass-93kq');
  });

  it('ghcr.io gets the job token as the default password (through stdin, as the actor) and the post step logs out', async () => {
    const docker = standIn();
    const run = await push(docker, { image: 'ghcr.io/acme/app' });
    const calls = docker.calls();
    expect(calls.filter((c) => c.argv[0] === 'login')).toEqual([
      { argv: ['login', 'ghcr.io', '--username', 'octocat', '--password-stdin'], stdin: TOKEN },
    ]);
    for (const call of calls.filter((c) => c.argv[0] !== 'login')) expect(JSON.stringify(call)).not.toContain(TOKEN);
    expect(run.masks).toContain(TOKEN);
    expect(visibleText(run)).not.toContain(TOKEN);
    expect(run.state.registry).toBe('ghcr.io');
    expect(calls.at(-1)!.argv).toEqual(['logout', 'ghcr.io']);
    expect(run.code).toBe(1); // the stand-in builds nothing
  });
});
