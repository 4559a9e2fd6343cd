import { describe, expect, it } from 'vitest';
import { runContext } from '../../shared/context.js';
import { ociLabels } from '../../shared/docker/labels.js';
import {
  gitState,
  parseSemver,
  ruleTags,
  sanitizeTag,
  semverTags,
  TAG_RULES,
  type GitState,
} from '../../shared/docker/tags.js';

const SHA = 'ABCDEF0123456789abcdef0123456789abcdef01';
const all = [...TAG_RULES];
const git = (over: Partial<GitState>): GitState => ({
  sha: SHA,
  eventName: 'push',
  ref: 'refs/heads/main',
  defaultBranch: 'main',
  ...over,
});

describe('tag rules', () => {
  it('push to the default branch: sha, branch, latest', () => {
    expect(ruleTags(all, git({}))).toEqual({
      tags: ['sha-abcdef0', 'main', 'latest'],
      version: 'main',
      semver: undefined,
    });
  });

  it('push to another branch: no latest; the default branch comes from the event', () => {
    expect(ruleTags(all, git({ ref: 'refs/heads/develop' })).tags).toEqual(['sha-abcdef0', 'develop']);
    expect(ruleTags(all, git({ ref: 'refs/heads/trunk', defaultBranch: 'trunk' })).tags).toEqual([
      'sha-abcdef0',
      'trunk',
      'latest',
    ]);
    expect(ruleTags(all, git({ ref: 'refs/heads/main', defaultBranch: 'trunk' })).tags).toEqual([
      'sha-abcdef0',
      'main',
    ]);
  });

  it('branch names are sanitised for Docker', () => {
    expect(ruleTags(['branch'], git({ ref: 'refs/heads/Feature/JIRA-12_new+ui' })).tags).toEqual([
      'feature-jira-12_new-ui',
    ]);
    expect(sanitizeTag('-.dependabot/npm')).toBe('dependabot-npm');
    expect(sanitizeTag('x'.repeat(300))).toHaveLength(128);
    expect(sanitizeTag('Ünïcode')).toBe('n-code');
    // A run of other characters is one dash, as docker/metadata-action makes it.
    expect(sanitizeTag('fix//login  form')).toBe('fix-login-form');
  });

  it('semver tag v1.2.3: 1.2.3, 1.2, 1 and latest; version label 1.2.3', () => {
    const r = ruleTags(all, git({ ref: 'refs/tags/v1.2.3' }));
    expect(r.tags).toEqual(['sha-abcdef0', '1.2.3', '1.2', '1', 'latest']);
    expect(r.version).toBe('1.2.3');
  });

  it('prerelease gets only its full version and never latest', () => {
    expect(ruleTags(all, git({ ref: 'refs/tags/v2.0.0-rc.1' })).tags).toEqual(['sha-abcdef0', '2.0.0-rc.1']);
  });

  it('major 0 gets no bare 0', () => {
    expect(ruleTags(all, git({ ref: 'refs/tags/v0.3.1' })).tags).toEqual(['sha-abcdef0', '0.3.1', '0.3', 'latest']);
  });

  it('a non-semver git tag gets no semver tags and no latest', () => {
    const r = ruleTags(all, git({ ref: 'refs/tags/release-2024' }));
    expect(r.tags).toEqual(['sha-abcdef0']);
    expect(r.version).toBe('release-2024');
  });

  it('pull requests: pr-<n> and sha, never latest or branch', () => {
    for (const eventName of ['pull_request', 'pull_request_target']) {
      expect(ruleTags(all, git({ eventName, ref: 'refs/pull/42/merge', prNumber: 42 }))).toMatchObject({
        tags: ['sha-abcdef0', 'pr-42'],
        version: 'pr-42',
      });
    }
    // pull_request_target runs on the base branch ref: still no branch/latest.
    expect(ruleTags(all, git({ eventName: 'pull_request_target', ref: 'refs/heads/main', prNumber: 7 })).tags).toEqual([
      'sha-abcdef0',
      'pr-7',
    ]);
  });

  it('only the enabled rules apply', () => {
    expect(ruleTags(['semver'], git({ ref: 'refs/tags/v1.2.3' })).tags).toEqual(['1.2.3', '1.2', '1']);
    expect(ruleTags([], git({})).tags).toEqual([]);
  });

  it('reads the PR number from the event, or from refs/pull/N/', () => {
    const ctx = (event: Record<string, unknown>, ref: string) => ({
      ...runContext({ GITHUB_SHA: SHA, GITHUB_REF: ref, GITHUB_EVENT_NAME: 'pull_request' }),
      event,
    });
    expect(gitState(ctx({ pull_request: { number: 9 } }, 'refs/pull/9/merge'), { defaultBranch: 'dev' })).toMatchObject(
      { prNumber: 9, defaultBranch: 'dev' },
    );
    expect(gitState(ctx({}, 'refs/pull/11/merge')).prNumber).toBe(11);
  });

  it('sha-source pr-head takes the head commit on pull requests only, and only a commit SHA', () => {
    const HEAD = '3370e228f2209994d57af4427fe64e71bb79ac96';
    const ctx = (eventName: string, event: Record<string, unknown>) => ({
      ...runContext({ GITHUB_SHA: SHA, GITHUB_REF: 'refs/pull/9/merge', GITHUB_EVENT_NAME: eventName }),
      event,
    });
    const pr = { pull_request: { number: 9, head: { sha: HEAD } } };
    expect(gitState(ctx('pull_request', pr), { shaSource: 'pr-head' }).sha).toBe(HEAD);
    expect(gitState(ctx('pull_request_target', pr), { shaSource: 'pr-head' }).sha).toBe(HEAD);
    expect(gitState(ctx('pull_request', pr), { shaSource: 'github-sha' }).sha).toBe(SHA);
    expect(gitState(ctx('push', pr), { shaSource: 'pr-head' }).sha).toBe(SHA);
    expect(
      gitState(ctx('pull_request', { pull_request: { number: 9, head: { sha: 'main; rm -rf /' } } }), {
        shaSource: 'pr-head',
      }).sha,
    ).toBe(SHA);
  });
});

describe('semver', () => {
  it.each([
    ['v1.2.3', ['1.2.3', '1.2', '1']],
    ['1.2.3', ['1.2.3', '1.2', '1']],
    ['v10.0.0', ['10.0.0', '10.0', '10']],
    ['v0.0.1', ['0.0.1', '0.0']],
    ['v2.0.0-rc.1', ['2.0.0-rc.1']],
    ['v1.2.3+build.5', ['1.2.3', '1.2', '1']],
  ])('%s → %j', (tag, tags) => expect(semverTags(parseSemver(tag)!)).toEqual(tags));

  it.each(['v1.2', 'v01.2.3', 'version-1', '1.2.3.4', 'v1.2.3-'])('%s is not semver', (tag) =>
    expect(parseSemver(tag)).toBeUndefined(),
  );
});

describe('OCI labels', () => {
  const ctx = runContext({
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: SHA,
    GITHUB_SERVER_URL: 'https://github.example.com',
  });
  const repo = {
    name: 'shop',
    description: 'Shop',
    html_url: 'https://github.example.com/acme/shop',
    license: { spdx_id: 'MIT' },
  };
  const created = new Date('2026-01-02T03:04:05Z');

  it('come from the repository and the run', () => {
    expect(ociLabels(ctx, repo, { version: '1.2.3', revision: SHA }, created)).toEqual({
      'org.opencontainers.image.title': 'shop',
      'org.opencontainers.image.description': 'Shop',
      'org.opencontainers.image.url': 'https://github.example.com/acme/shop',
      'org.opencontainers.image.source': 'https://github.example.com/acme/shop',
      'org.opencontainers.image.version': '1.2.3',
      'org.opencontainers.image.created': '2026-01-02T03:04:05.000Z',
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.licenses': 'MIT',
    });
  });

  it('fall back to GITHUB_* without repository data; extra labels win; NOASSERTION is no licence', () => {
    expect(
      ociLabels(ctx, { license: { spdx_id: 'NOASSERTION' } }, { version: 'main', revision: SHA }, created),
    ).toMatchObject({ 'org.opencontainers.image.title': 'shop', 'org.opencontainers.image.licenses': '' });
    expect(
      ociLabels(ctx, {}, { version: 'main', revision: SHA }, created, {
        'org.opencontainers.image.title': 'Shop UI',
        team: 'x',
      }),
    ).toMatchObject({
      'org.opencontainers.image.title': 'Shop UI',
      'org.opencontainers.image.url': 'https://github.example.com/acme/shop',
      'org.opencontainers.image.description': '',
      'org.opencontainers.image.licenses': '',
      team: 'x',
    });
  });
});
