/**
 * The one-step deploy through its bundle (the root deploy/action.yml, as
 * `uses: org/deploy-actions/deploy@v1` runs it): its inputs stay in step with
 * the actions it combines, and bad inputs fail before anything happens.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startGitHubDouble } from '../fakes/github.js';
import { startFakeSlack } from '../fakes/slack.js';
import { repoRoot, runAction, visibleText } from '../harness/runner.js';

interface Input {
  description: string;
  required: boolean;
  default?: string;
}
const yml = (path: string) => parse(readFileSync(join(repoRoot, path), 'utf8')) as { inputs: Record<string, Input>; outputs: Record<string, unknown>; runs: Record<string, string> };
const deploy = yml('deploy/action.yml');

describe('deploy/action.yml', () => {
  it('is actions/deploy/action.yml with the bundle path one level up', () => {
    const nested = readFileSync(join(repoRoot, 'actions/deploy/action.yml'), 'utf8');
    const root = readFileSync(join(repoRoot, 'deploy/action.yml'), 'utf8');
    expect(root).toBe(nested.replaceAll("'../../dist/deploy/index.js'", "'../dist/deploy/index.js'"));
    expect(deploy.runs).toEqual({ using: 'node24', main: '../dist/deploy/index.js', post: '../dist/deploy/index.js' });
  });

  it('takes every deploy-to-env input with the same default', () => {
    for (const [name, spec] of Object.entries(yml('actions/deploy-to-env/action.yml').inputs)) {
      expect(deploy.inputs[name], name).toBeDefined();
      expect([deploy.inputs[name]!.required, deploy.inputs[name]!.default], name).toEqual([spec.required, spec.default]);
    }
  });

  it('takes every health-gate input prefixed with health- (timeout as health-probe-timeout), with the same default', () => {
    for (const [name, spec] of Object.entries(yml('actions/health-gate/action.yml').inputs)) {
      if (name === 'url') continue;
      const ours = deploy.inputs[name === 'timeout' ? 'health-probe-timeout' : `health-${name}`];
      expect(ours, name).toBeDefined();
      expect(ours!.default, name).toBe(spec.default);
    }
    expect(deploy.inputs['health-url']).toMatchObject({ required: false, default: '' });
  });

  it('declares the outputs of the issue', () => {
    expect(Object.keys(deploy.outputs).sort()).toEqual(['deployment-id', 'environment-url', 'failed-stage', 'previous-version', 'result', 'version']);
  });
});

describe('deploy: bad inputs fail before anything happens', () => {
  it('reports every bad input at once, secrets not echoed', async () => {
    const slack = await startFakeSlack();
    const github = await startGitHubDouble({ token: 'ghs_inputs', repository: 'acme/shop' });
    try {
      const run = await runAction('deploy', {
        token: 'ghs_inputs',
        env: { GITHUB_API_URL: github.url },
        inputs: {
          environment: 'staging',
          image: 'shop:1',
          'health-interval': 'soon',
          'auto-rollback': 'maybe',
          'health-url': 'ftp://x',
          'slack-webhook-url': slack.webhookUrl,
          'slack-token': slack.token,
        },
      });
      expect(run.code).toBe(1);
      expect(run.errors).toHaveLength(1);
      const [error] = run.errors;
      expect(error).toContain('"health-interval": expected a duration such as 500ms, 10s, 5m or a number of seconds, got "soon"');
      expect(error).toContain('"auto-rollback": expected true or false, got "maybe"');
      expect(error).toContain('"health-url": expected an http:// or https:// URL, got "ftp://x"');
      expect(visibleText(run)).not.toContain(slack.token);
      expect(visibleText(run)).not.toContain('fakeWebhookSecret');
      expect(slack.requests).toEqual([]);
      expect(github.deployments).toEqual([]);
    } finally {
      await slack.close();
      await github.close();
    }
  });

  it('refuses two Slack destinations, and a token without a channel', async () => {
    let run = await runAction('deploy', { inputs: { environment: 'staging', image: 'shop:1', 'slack-webhook-url': 'https://hooks.slack.com/services/T/B/x', 'slack-token': 'xoxb-1' } });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toContain('"slack-token": expected one Slack destination, "slack-webhook-url" or "slack-token" with "slack-channel", not both');
    run = await runAction('deploy', { inputs: { environment: 'staging', image: 'shop:1', 'slack-token': 'xoxb-1' } });
    expect(run.errors.join('\n')).toContain('"slack-channel": expected a channel ID (C0123ABCD) or name, needed with "slack-token", got nothing');
  });
});
