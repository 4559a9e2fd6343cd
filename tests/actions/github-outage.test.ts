/**
 * A GitHub API outage does not block a deploy whose provider keeps its own
 * history, through the deploy-to-env bundle: the GitHub REST test double
 * answers 503 (always, or twice then recovers), Docker on the local engine
 * (images FROM scratch), the command provider with real bash scripts.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';
import { deployOnLocalEngine } from '../harness/docker-deploy.js';
import { fetchText, removeService } from '../harness/docker-env.js';
import { appImage, proxyImage } from '../harness/images.js';
import { dockerAvailable, ensureDocker } from '../harness/infra.js';
import { runAction } from '../harness/runner.js';

await ensureDocker();
const hasDocker = dockerAvailable();
const TOKEN = 'ghs_outage_test_token_17';
const SERVICE = 'outage17';
const PUBLISH = 18537;
/** The test images exist only on this engine: the pull of a tag is refused and the local image used, with a warning. */
const ours = (warnings: string[]) => warnings.filter((w) => !/could not pull deploy-test-app/.test(w));

describe.skipIf(!hasDocker)(
  'GitHub API outage during deploy-to-env (Docker on the local engine; GitHub REST test double answering 503)',
  () => {
    let images: { v1: string; v2: string; proxy: string };
    const doubles: GitHubDouble[] = [];
    const github = async (failures: number) => {
      const double = await startGitHubDouble({ token: TOKEN, repository: 'acme/shop', outage: { failures } });
      doubles.push(double);
      return double;
    };

    beforeAll(() => {
      removeService(SERVICE);
      images = { v1: appImage('v1'), v2: appImage('v2'), proxy: proxyImage() };
    }, 120_000);
    // Even the requests answered 503 must be well-formed.
    afterEach(() =>
      expect(
        doubles.flatMap((d) => d.problems.splice(0)),
        'requests the GitHub double found malformed',
      ).toEqual([]),
    );
    afterAll(async () => {
      for (const double of doubles) await double.close();
      removeService(SERVICE);
    });

    const deploy = (image: string, api: GitHubDouble) =>
      deployOnLocalEngine({
        token: TOKEN,
        apiUrl: api.url,
        service: SERVICE,
        publish: PUBLISH,
        proxyImage: images.proxy,
        image,
        inputs: { 'readiness-timeout': '30s' },
      });

    test('503 always: retried with backoff within its deadline, then the release deploys anyway with a warning; the summary says the GitHub Deployment is missing', async () => {
      const down = await github(Infinity);
      const run = await deploy(images.v1, down);
      expect(run.errors, run.stdout).toEqual([]);
      expect(run.code).toBe(0);
      expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v1' });
      const attempts = down.events.filter((e) => e === '503 POST /repos/acme/shop/deployments');
      expect(attempts).toHaveLength(6); // the first try and 5 retries
      expect(
        run.stdout.match(/GitHub API POST \/repos\/acme\/shop\/deployments: status 503, retry \d\/5 in \d+ms/g),
      ).toHaveLength(5);
      expect(ours(run.warnings)).toEqual([
        'The GitHub Deployment is missing (GitHub API: could not create a deployment: 503 Service Unavailable): deploying anyway, the docker provider keeps its own release history',
      ]);
      expect(run.summary).toContain(
        '| GitHub Deployment | missing: GitHub API: could not create a deployment: 503 Service Unavailable |',
      );
      expect(run.outputs['deployment-id'] ?? '').toBe('');
      expect(down.deployments).toEqual([]);
    }, 180_000);

    test('503 twice, then GitHub recovers: the Deployment is recorded as usual, no warning', async () => {
      const flaky = await github(2);
      const run = await deploy(images.v2, flaky);
      expect(run.errors, run.stdout).toEqual([]);
      expect(ours(run.warnings)).toEqual([]);
      expect(flaky.events.slice(0, 3)).toEqual([
        '503 POST /repos/acme/shop/deployments',
        '503 POST /repos/acme/shop/deployments',
        'deployment 1000',
      ]);
      const [deployment] = flaky.deployments;
      expect(deployment.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
      expect(run.outputs['deployment-id']).toBe('1000');
      expect(flaky.problems).toEqual([]);
      expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v2' });
    }, 180_000);
  },
);

describe('GitHub API outage with the command provider, whose history is GitHub (GitHub REST test double answering 503)', () => {
  let down: GitHubDouble;
  beforeAll(async () => {
    down = await startGitHubDouble({ token: TOKEN, repository: 'acme/shop', outage: { failures: Infinity } });
  });
  afterEach(() => expect(down.problems.splice(0), 'requests the GitHub double found malformed').toEqual([]));
  afterAll(() => down?.close());

  test('503 always: fails with that reason before deploying; deploy-command never runs', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'outage-command-'));
    const run = await runAction('deploy-to-env', {
      workspace,
      token: TOKEN,
      timeoutMs: 120_000,
      env: { GITHUB_API_URL: down.url },
      inputs: {
        provider: 'command',
        environment: 'staging',
        service: 'shop',
        image: 'shop:v3',
        'deploy-command': 'touch deployed.txt',
        'rollback-command': 'true',
      },
    });
    expect(run.code).toBe(1);
    expect(run.errors).toEqual([
      'GitHub API: could not list deployments of staging: 503 Service Unavailable: nothing was deployed, the command provider keeps its release history in GitHub Deployments',
    ]);
    expect(existsSync(join(workspace, 'deployed.txt'))).toBe(false);
    expect(down.events.filter((e) => e.startsWith('503 GET /repos/acme/shop/deployments'))).toHaveLength(6);
  }, 180_000);
});
