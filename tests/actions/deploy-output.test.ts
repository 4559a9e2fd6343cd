/**
 * The command provider learns the environment's URL from the deploy command
 * itself: `url=<value>` written to $DEPLOY_OUTPUT becomes the environment URL
 * (output, summary), the GitHub Deployment's environment_url (GitHub REST test
 * double) and, in the one-step deploy, the smoke test's and the gate's base
 * (a real node:http server stands for the preview the platform started).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';
import { runAction } from '../harness/runner.js';
import { json, startServer, type TestServer } from '../harness/server.js';

const TOKEN = 'ghs_deploy_output_token_5';
const IMAGE = 'registry.example.com:5000/shop:pr-42';

describe('command provider: url=<value> in $DEPLOY_OUTPUT (GitHub REST test double)', () => {
  let github: GitHubDouble;
  afterEach(() => expect(github.problems.splice(0), 'requests the GitHub double found malformed').toEqual([]));
  let preview: TestServer;
  const deployCommand = () =>
    `echo "platform: deploying $DEPLOY_IMAGE"\necho "url=${preview.url}/" >> "$DEPLOY_OUTPUT"`;
  const run = (action: string, inputs: Record<string, string>) =>
    runAction(action, {
      workspace: mkdtempSync(join(tmpdir(), 'deploy-output-')),
      token: TOKEN,
      timeoutMs: 60_000,
      env: { GITHUB_API_URL: github.url },
      inputs: {
        provider: 'command',
        environment: 'pr-42',
        service: 'shop',
        image: IMAGE,
        'deploy-command': deployCommand(),
        ...inputs,
      },
    });

  beforeAll(async () => {
    github = await startGitHubDouble({ token: TOKEN, repository: 'acme/shop' });
    preview = await startServer((req, res) =>
      req.url === '/health' ? json(res, 200, { status: 'ok' }) : json(res, 200, { page: req.url }),
    );
  });
  afterAll(async () => {
    await github?.close();
    await preview?.close();
  });

  test('deploy-to-env: the URL becomes the output, the summary and the Deployment environment_url', async () => {
    const result = await run('deploy-to-env', {});
    expect(result.errors, result.stdout).toEqual([]);
    expect(result.outputs['environment-url']).toBe(`${preview.url}/`);
    expect(result.summary).toContain(`${preview.url}/`);
    expect(result.stdout).toContain(`deploy-command reported the environment URL ${preview.url}/`);
    const deployment = github.deployments.at(-1)!;
    expect(deployment.statuses.at(-1)).toMatchObject({ state: 'success', environment_url: `${preview.url}/` });
    expect(github.problems).toEqual([]);
  });

  test('deploy: the smoke test and the health gate run against the URL the command reported', async () => {
    const before = preview.requests.length;
    const result = await run('deploy', {
      'smoke-paths': '/\n/pricing',
      'health-deadline': '20s',
      'health-interval': '200ms',
      'health-success-threshold': '2',
    });
    expect(result.errors, result.stdout).toEqual([]);
    expect(result.outputs).toMatchObject({ result: 'success', 'environment-url': `${preview.url}/` });
    const paths = preview.requests.slice(before).map((r) => r.url);
    expect(paths).toEqual(expect.arrayContaining(['/', '/pricing', '/health']));
    expect(github.deployments.at(-1)!.statuses.at(-1)).toMatchObject({
      state: 'success',
      environment_url: `${preview.url}/`,
    });
  });

  test('a line that is not an http(s) URL is ignored with a warning, never obeyed', async () => {
    const result = await run('deploy-to-env', {
      'deploy-command': 'printf "url=javascript:alert(1)\\n::warning::INJECTED\\n" >> "$DEPLOY_OUTPUT"',
    });
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs['environment-url']).toBe('');
    expect(result.warnings.join('\n')).toContain('$DEPLOY_OUTPUT: ignored url=javascript:alert(1)');
    expect(result.warnings.join('\n')).not.toContain('INJECTED');
  });
});
