/**
 * The one-step deploy's automatic rollback runs `pre-rollback-command` before
 * traffic moves back, through the deploy bundle with `provider: command`
 * (real bash scripts; GitHub REST test double for the history; a node:http
 * server whose health fails the gate). Its failure stops the rollback.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';
import { runAction } from '../harness/runner.js';
import { json, startServer, type TestServer } from '../harness/server.js';

const TOKEN = 'ghs_pre_rollback_token_3';
const V1 = 'registry.example.com:5000/shop:v1';
const V2 = 'registry.example.com:5000/shop:v2';

describe('deploy: pre-rollback-command in the automatic rollback (command provider, GitHub REST test double)', () => {
  let github: GitHubDouble;
  afterEach(() => expect(github.problems.splice(0), 'requests the GitHub double found malformed').toEqual([]));
  let app: TestServer;
  let workspace: string;
  const run = (inputs: Record<string, string>) =>
    runAction('deploy', {
      workspace,
      token: TOKEN,
      timeoutMs: 60_000,
      env: { GITHUB_API_URL: github.url },
      inputs: {
        provider: 'command',
        environment: 'staging',
        service: 'shop',
        'deploy-command': 'printf "%s" "$DEPLOY_IMAGE" > live.txt',
        'rollback-command': 'printf "%s" "$DEPLOY_IMAGE" > live.txt; echo rollback >> calls.log',
        'environment-url': app.url,
        'health-url': `${app.url}/health`,
        'health-deadline': '3s',
        'health-interval': '200ms',
        'health-max-failures': '2',
        ...inputs,
      },
    });

  beforeAll(async () => {
    github = await startGitHubDouble({ token: TOKEN, repository: 'acme/shop' });
    workspace = mkdtempSync(join(tmpdir(), 'pre-rollback-'));
    // The "platform": healthy while V1 is live, failing while V2 is.
    const live = () =>
      existsSync(join(workspace, 'live.txt')) ? readFileSync(join(workspace, 'live.txt'), 'utf8') : '';
    app = await startServer((_req, res) =>
      live() === V2 ? json(res, 500, { status: 'down' }) : json(res, 200, { status: 'ok' }),
    );
  });
  afterAll(async () => {
    await github?.close();
    await app?.close();
  });

  test('runs before the rollback with the versions being left and returned to', async () => {
    const first = await run({ image: V1 });
    expect(first.outputs.result, first.stdout).toBe('success');
    const hook =
      'echo "from=$DEPLOY_ROLLBACK_FROM to=$DEPLOY_ROLLBACK_TO version=$DEPLOY_VERSION env=$DEPLOY_ENVIRONMENT"; test ! -e calls.log; echo "$DEPLOY_ROLLBACK_FROM>$DEPLOY_ROLLBACK_TO" > hook.txt';
    const second = await run({ image: V2, 'pre-rollback-command': hook });
    expect(second.outputs).toMatchObject({ result: 'rolled-back', 'failed-stage': 'health-gate' });
    // The hook ran first (no rollback-command call yet when it ran), then the rollback put V1 back.
    expect(readFileSync(join(workspace, 'hook.txt'), 'utf8').trim()).toBe(`${V2}>${V1}`);
    expect(second.stdout).toContain(`from=${V2} to=${V1} version=${V1} env=staging`);
    expect(readFileSync(join(workspace, 'live.txt'), 'utf8')).toBe(V1);
  });

  test('its failure stops the rollback and says so', async () => {
    const third = await run({ image: V2, 'pre-rollback-command': 'echo "down migration failed" >&2; exit 4' });
    expect(third.code).toBe(1);
    expect(third.outputs.result).toBe('failed');
    expect(third.errors.join('\n')).toMatch(
      /the rollback to .*v1 failed too: The rollback to .*v1 was stopped before any change: pre-rollback-command failed with exit code 4/,
    );
    // Only the first test's rollback ran the rollback-command; V2 stays where the failed rollback left it.
    expect(readFileSync(join(workspace, 'calls.log'), 'utf8').trim().split('\n')).toEqual(['rollback']);
    expect(readFileSync(join(workspace, 'live.txt'), 'utf8')).toBe(V2);
    expect(existsSync(join(workspace, 'hook.txt'))).toBe(true);
  });
});
