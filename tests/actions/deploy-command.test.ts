/**
 * deploy-to-env and rollback with `provider: command`, through their bundles:
 * real bash scripts in a real workspace, history from the GitHub REST test
 * double (the previous successful deployment's payload).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';
import { runAction } from '../harness/runner.js';

const TOKEN = 'ghs_command_provider_token_7';
const V1 = 'registry.example.com:5000/shop@sha256:' + '1'.repeat(64);
const V2 = 'registry.example.com:5000/shop:v2';

// The "platform": a file per environment that the scripts write, plus a log of every call.
const DEPLOY = `echo "deploying $DEPLOY_IMAGE to $DEPLOY_ENVIRONMENT"
printf '%s|%s|%s|%s|%s\\n' "$DEPLOY_IMAGE" "$DEPLOY_VERSION" "$DEPLOY_ENVIRONMENT" "$DEPLOY_PREVIOUS_VERSION" "$DEPLOY_SERVICE" >> calls.log
printf '%s' "$DEPLOY_IMAGE" > "live-$DEPLOY_ENVIRONMENT.txt"
echo "done"`;
const ROLLBACK = `echo "rolling back $DEPLOY_ENVIRONMENT from $DEPLOY_PREVIOUS_VERSION to $DEPLOY_VERSION"
printf 'rollback|%s|%s\\n' "$DEPLOY_IMAGE" "$DEPLOY_PREVIOUS_VERSION" >> calls.log
printf '%s' "$DEPLOY_IMAGE" > "live-$DEPLOY_ENVIRONMENT.txt"`;

describe('command provider (bash scripts; GitHub REST test double)', () => {
  let github: GitHubDouble;
  let workspace: string;
  const run = (action: string, inputs: Record<string, string>, extra: { token?: string } = {}) =>
    runAction(action, {
      workspace,
      token: extra.token ?? TOKEN,
      timeoutMs: 30_000,
      env: { GITHUB_API_URL: github.url },
      inputs: {
        provider: 'command',
        environment: 'staging',
        service: 'shop',
        'deploy-command': DEPLOY,
        'rollback-command': ROLLBACK,
        ...inputs,
      },
    });
  const calls = () => readFileSync(join(workspace, 'calls.log'), 'utf8').trim().split('\n');
  const live = (environment = 'staging') => readFileSync(join(workspace, `live-${environment}.txt`), 'utf8');

  beforeAll(async () => {
    github = await startGitHubDouble({ token: TOKEN, repository: 'acme/shop' });
    workspace = mkdtempSync(join(tmpdir(), 'command-provider-'));
  });
  // Failure paths too: whatever the step did, it spoke the API correctly.
  afterEach(() => expect(github.problems.splice(0), 'requests the GitHub double found malformed').toEqual([]));
  afterAll(async () => {
    await github?.close();
  });

  test('deploy runs deploy-command in the workspace with the release in DEPLOY_* variables, streamed in a log group, and records a GitHub Deployment', async () => {
    const first = await run('deploy-to-env', { image: V1 });
    expect(first.code, first.stdout).toBe(0);
    expect(first.stdout).toMatch(
      /::group::deploy-command \(staging: [^)]+\)\n(.|\n)*deploying registry\.example\.com:5000\/shop@sha256:1+ to staging\n(.|\n)*done\n(.|\n)*::endgroup::/,
    );
    expect(first.outputs).toMatchObject({ version: V1, 'previous-version': '', hosts: '1' });
    expect(calls()).toEqual([`${V1}|${V1}|staging||shop`]);
    expect(live()).toBe(V1);

    const second = await run('deploy-to-env', { image: V2 });
    expect(second.code, second.stdout).toBe(0);
    // The previous version comes from the last successful GitHub Deployment's payload.
    expect(second.outputs).toMatchObject({ version: V2, 'previous-version': V1 });
    expect(calls()[1]).toBe(`${V2}|${V2}|staging|${V1}|shop`);
    expect(second.summary).toContain('command / blue-green');
    expect(
      github.deployments.map((d) => [d.payload.image, d.payload.provider, d.statuses.map((s) => s.state).join(',')]),
    ).toEqual([
      [V1, 'command', 'in_progress,success,inactive'],
      [V2, 'command', 'in_progress,success'],
    ]);
    expect(github.problems).toEqual([]);
  });

  test('rollback runs rollback-command with the version of the last successful GitHub Deployment before the live one', async () => {
    const result = await run('rollback', { reason: 'checkout errors' });
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs).toMatchObject({ 'rolled-back-from': V2, 'rolled-back-to': V1 });
    expect(calls().at(-1)).toBe(`rollback|${V1}|${V2}`);
    expect(live()).toBe(V1);
    expect(result.stdout).toContain('::group::rollback-command');
    const recorded = github.deployments.at(-1)!;
    expect(recorded.payload).toMatchObject({ image: V1, provider: 'command', rollback: true, from: V2 });
    expect(recorded.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(result.summary).toContain('Rolled back staging');
    expect(github.problems).toEqual([]);
  });

  test('a failing deploy-command fails the step with its exit code and last lines, and the GitHub Deployment is marked failed', async () => {
    const script =
      'echo "uploading"\nfor i in $(seq 1 30); do echo "progress $i"; done\necho "error: platform rejected the release" >&2\nexit 7\necho never';
    const result = await run('deploy-to-env', { image: 'registry.example.com:5000/shop:v3', 'deploy-command': script });
    expect(result.code).toBe(1);
    const error = result.errors.join('\n');
    expect(error).toContain('deploy-command failed with exit code 7');
    expect(error).toContain('error: platform rejected the release');
    expect(error).toContain('progress 30');
    expect(result.stdout).not.toContain('never');
    expect(github.deployments.at(-1)!.statuses.map((s) => s.state)).toEqual(['in_progress', 'failure']);
    expect(result.summary).toContain('exit code 7');
  });

  test('strict mode: an unset variable or a failing command in a pipeline fails the script', async () => {
    const unset = await run('deploy-to-env', {
      image: V2,
      'deploy-command': 'echo "$NOT_SET_ANYWHERE"',
      'github-token': '',
    });
    expect(unset.code).toBe(1);
    expect(unset.errors.join('\n')).toMatch(/exit code 1(.|\n)*NOT_SET_ANYWHERE: unbound variable/);
    const pipe = await run('deploy-to-env', {
      image: V2,
      'deploy-command': 'false | cat\necho after',
      'github-token': '',
    });
    expect(pipe.code).toBe(1);
    expect(pipe.stdout).not.toContain('after');
  });

  test('command-timeout stops the script (and its children) and fails with the last lines', async () => {
    const started = Date.now();
    const result = await run('deploy-to-env', {
      image: V2,
      'deploy-command': 'echo "waiting for the platform"\nsleep 60\necho late',
      // Long enough for bash to print its first line on a loaded machine; far below the sleep.
      'command-timeout': '3s',
      'github-token': '',
    });
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.errors.join('\n')).toMatch(
      /deploy-command timed out after 3s \(command-timeout\)(.|\n)*waiting for the platform/,
    );
    expect(result.stdout).not.toContain('late');
  });

  test('values with shell metacharacters reach the script as data and run nothing', async () => {
    const nasty = `x'; touch pwned-quote; echo '$(touch pwned-subst) \`touch pwned-tick\` "dq" ; | & > pwned-redirect $HOME`;
    const deployed = await run('deploy-to-env', {
      image: V2,
      environment: 'meta',
      env: `NOTE=${nasty}`,
      'deploy-command': `${DEPLOY}\nprintf '%s' "$NOTE" > note.txt`,
      'github-token': '',
    });
    expect(deployed.code, deployed.stdout).toBe(0);
    expect(readFileSync(join(workspace, 'note.txt'), 'utf8')).toBe(nasty);

    // `to` also reaches docker and kubectl: quotes, `$(…)` and `;` are refused before anything runs.
    const to = `shop:v1$(touch pwned-to);touch pwned-semi`;
    const refused = await run('rollback', { environment: 'meta', to, 'github-token': '' });
    expect(refused.code).toBe(1);
    expect(refused.errors).toEqual([
      `Invalid input: "to": expected a version, image reference or revision number (letters, digits and . _ : @ / + -, starting with a letter or digit), got ${JSON.stringify(to)}`,
    ]);
    expect(live('meta')).toBe(V2);
    for (const file of ['pwned-quote', 'pwned-subst', 'pwned-tick', 'pwned-redirect', 'pwned-to', 'pwned-semi'])
      expect(existsSync(join(workspace, file)), file).toBe(false);
  });

  test('without deploy-command: a clear input error; rollback without to or github-token: a clear error', async () => {
    const deploy = await run('deploy-to-env', { image: V2, 'deploy-command': '', 'github-token': '' });
    expect(deploy.code).toBe(1);
    expect(deploy.errors.join('\n')).toContain(
      '"deploy-command": expected the bash script that deploys $DEPLOY_IMAGE (required with provider "command"), got nothing',
    );
    const rollback = await run('rollback', { 'github-token': '' });
    expect(rollback.code).toBe(1);
    expect(rollback.errors.join('\n')).toContain('keeps no release history: set "to", or "github-token"');
  });
});
