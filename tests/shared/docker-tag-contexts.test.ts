/**
 * The tag rules and labels of build-push, event by event, from payloads in
 * the shape GitHub writes them (tests/fixtures/events), compared with what
 * docker/metadata-action gives on the same events with its default tags
 * (type=schedule, type=ref for branch, tag and pr). Where ours differ, the
 * difference is one build-push documents (action.yml, usage.md): a `sha-`
 * tag on every run, `latest` on the default branch, semver tags instead of
 * the git tag's name, no bare `0` for major zero, no `nightly` on schedules.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runContext } from '../../shared/context.js';
import { ociLabels } from '../../shared/docker/labels.js';
import { sourceRepository } from '../../shared/docker/source-repository.js';
import { gitState, ruleTags, TAG_RULES, type ShaSource } from '../../shared/docker/tags.js';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';
import { repoRoot } from '../harness/runner.js';
import { startServer } from '../harness/server.js';

const SHA = '860c1904a1ce19322e91ac35af1ab07466440c37';
const HEAD = '3370e228f2209994d57af4427fe64e71bb79ac96';
const MERGE = 'a9c8c5828b91be19d9728548b24759e352367ef1';
const created = new Date('2026-01-10T00:30:00Z');

interface Context {
  event: string;
  ref: string;
  sha?: string;
  fixture: string;
  shaSource?: ShaSource;
  tags: string[];
  version: string;
  /** docker/metadata-action's tags on the same event with its default `tags`. */
  metadataAction: string[];
  /**
   * Those of them build-push does not give, as its docs say: semver tags without `v`, no tag named after other git
   * tags, no `latest` for them or prereleases.
   */
  onlyTheirs?: string[];
}

/** A push of the git tag `tag`, from the payload fixture named after it. */
const tagPush = (
  tag: string,
  expected: Pick<Context, 'tags' | 'version' | 'metadataAction' | 'onlyTheirs'>,
): Context => ({
  event: 'push',
  ref: `refs/tags/${tag}`,
  fixture: `push-tag-${tag}.json`,
  ...expected,
});

const CONTEXTS: [string, Context][] = [
  [
    'push to the default branch (master)',
    {
      event: 'push',
      ref: 'refs/heads/master',
      sha: '266574110acf203503badf966df2ea24b5d732d7',
      fixture: 'push-master.json',
      tags: ['sha-2665741', 'master', 'latest'],
      version: 'master',
      metadataAction: ['master'],
    },
  ],
  [
    'push to a branch with characters a tag cannot hold',
    {
      event: 'push',
      ref: 'refs/heads/my/feature#1245',
      sha: '983315b5e8d46e46fc4c49869e85e7ee5fb289ba',
      fixture: 'push-feature.json',
      tags: ['sha-983315b', 'my-feature-1245'],
      version: 'my-feature-1245',
      metadataAction: ['my-feature-1245'],
    },
  ],
  [
    'semver tag v1.1.1',
    tagPush('v1.1.1', {
      tags: ['sha-860c190', '1.1.1', '1.1', '1', 'latest'],
      version: '1.1.1',
      metadataAction: ['v1.1.1', 'latest'],
      onlyTheirs: ['v1.1.1'],
    }),
  ],
  [
    'prerelease tag v2.0.8-beta.67',
    tagPush('v2.0.8-beta.67', {
      tags: ['sha-860c190', '2.0.8-beta.67'],
      version: '2.0.8-beta.67',
      metadataAction: ['v2.0.8-beta.67', 'latest'],
      onlyTheirs: ['v2.0.8-beta.67', 'latest'],
    }),
  ],
  [
    'a tag that is not semver (release-7)',
    tagPush('release-7', {
      tags: ['sha-860c190'],
      version: 'release-7',
      metadataAction: ['release-7', 'latest'],
      onlyTheirs: ['release-7', 'latest'],
    }),
  ],
  [
    'release published (v1.2.0)',
    {
      event: 'release',
      ref: 'refs/tags/v1.2.0',
      fixture: 'release-published.json',
      tags: ['sha-860c190', '1.2.0', '1.2', '1', 'latest'],
      version: '1.2.0',
      metadataAction: ['v1.2.0', 'latest'],
      onlyTheirs: ['v1.2.0'],
    },
  ],
  [
    'pull_request #15 (GITHUB_SHA: the merge commit)',
    {
      event: 'pull_request',
      ref: 'refs/pull/15/merge',
      sha: MERGE,
      fixture: 'pull_request.json',
      tags: ['sha-a9c8c58', 'pr-15'],
      version: 'pr-15',
      metadataAction: ['pr-15'],
    },
  ],
  [
    'pull_request #15 with sha-source: pr-head',
    {
      event: 'pull_request',
      ref: 'refs/pull/15/merge',
      sha: MERGE,
      fixture: 'pull_request.json',
      shaSource: 'pr-head',
      tags: ['sha-3370e22', 'pr-15'],
      version: 'pr-15',
      metadataAction: ['pr-15'],
    },
  ],
  [
    'pull_request_target #15 (runs on the base branch)',
    {
      event: 'pull_request_target',
      ref: 'refs/heads/master',
      fixture: 'pull_request.json',
      tags: ['sha-860c190', 'pr-15'],
      version: 'pr-15',
      metadataAction: ['pr-15'],
    },
  ],
  [
    'workflow_dispatch on the default branch',
    {
      event: 'workflow_dispatch',
      ref: 'refs/heads/master',
      fixture: 'workflow_dispatch.json',
      tags: ['sha-860c190', 'master', 'latest'],
      version: 'master',
      metadataAction: ['master'],
    },
  ],
];

const contextOf = (c: Pick<Context, 'event' | 'ref' | 'sha' | 'fixture'>, env: Record<string, string> = {}) =>
  runContext({
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_EVENT_NAME: c.event,
    GITHUB_REF: c.ref,
    GITHUB_SHA: c.sha ?? SHA,
    GITHUB_EVENT_PATH: join(repoRoot, 'tests/fixtures/events', c.fixture),
    ...env,
  });

describe("build-push tag rules per event context (payload fixtures in GitHub's shape; docker/metadata-action's result for the record)", () => {
  it.each(CONTEXTS)('%s', async (_, c) => {
    const ctx = contextOf(c);
    const source = await sourceRepository(ctx, '', () => undefined);
    expect(source).toMatchObject({ from: 'event', defaultBranch: 'master' });
    const git = gitState(ctx, { defaultBranch: source.defaultBranch, shaSource: c.shaSource });
    const rules = ruleTags([...TAG_RULES], git);
    expect(rules.tags).toEqual(c.tags);
    expect(rules.version).toBe(c.version);
    // Every tag metadata-action gives, we give too, but for the documented differences.
    expect(c.metadataAction.filter((t) => !rules.tags.includes(t))).toEqual(c.onlyTheirs ?? []);
    expect(ociLabels(ctx, source.metadata, { version: rules.version, revision: git.sha }, created)).toEqual({
      'org.opencontainers.image.title': 'shop',
      'org.opencontainers.image.description': 'The shop front',
      'org.opencontainers.image.url': 'https://github.com/acme/shop',
      'org.opencontainers.image.source': 'https://github.com/acme/shop',
      'org.opencontainers.image.version': c.version,
      'org.opencontainers.image.created': '2026-01-10T00:30:00.000Z',
      // pr-head names the head commit in the revision label too, as metadata-action's DOCKER_METADATA_PR_HEAD_SHA does.
      'org.opencontainers.image.revision': c.shaSource === 'pr-head' ? HEAD : (c.sha ?? SHA),
      'org.opencontainers.image.licenses': 'MIT',
    });
  });
});

describe('a schedule payload has no repository: the default branch and labels come from the GitHub API (GitHub API test double)', () => {
  let github: GitHubDouble;
  const schedule = { event: 'schedule', ref: 'refs/heads/master', fixture: 'schedule.json' };
  beforeAll(async () => {
    github = await startGitHubDouble({
      token: 'ghs_schedule',
      repository: 'acme/shop',
      repositoryInfo: {
        default_branch: 'master',
        description: 'The shop front',
        license: { key: 'mit', name: 'MIT License', spdx_id: 'MIT' },
      },
    });
  });
  // Failure paths too: whatever the step did, it spoke the API correctly.
  afterEach(() => expect(github.problems.splice(0), 'requests the GitHub double found malformed').toEqual([]));
  afterAll(async () => github?.close());

  it('read with the job token from GITHUB_API_URL: master keeps latest, description and licence are labelled', async () => {
    const root = contextOf(schedule, { GITHUB_API_URL: github.url });
    expect(root.event).toEqual({ schedule: '*/10 * * * *' });
    const lines: string[] = [];
    const source = await sourceRepository(root, 'ghs_schedule', (l) => lines.push(l));
    expect(source).toMatchObject({ from: 'api', defaultBranch: 'master' });
    expect(source.warning).toBeUndefined();
    expect(lines).toEqual([
      'The schedule event does not describe the repository: read acme/shop from the GitHub API (default branch master)',
    ]);
    expect(github.server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /repos/acme/shop']);
    expect(github.problems).toEqual([]);
    const git = gitState(root, { defaultBranch: source.defaultBranch });
    const rules = ruleTags([...TAG_RULES], git);
    expect(rules.tags).toEqual(['sha-860c190', 'master', 'latest']);
    expect(ociLabels(root, source.metadata, { version: rules.version, revision: git.sha }, created)).toMatchObject({
      'org.opencontainers.image.title': 'shop',
      'org.opencontainers.image.description': 'The shop front',
      'org.opencontainers.image.licenses': 'MIT',
      'org.opencontainers.image.url': 'https://github.com/acme/shop',
    });
  });

  it('an API that cannot be read: a warning; schedule runs on the default branch, so master still gets latest; labels stay empty', async () => {
    const down = await startServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
      res.end('{"message":"Service Unavailable"}');
    });
    try {
      const ctx = contextOf(schedule, { GITHUB_API_URL: down.url });
      const lines: string[] = [];
      const source = await sourceRepository(ctx, 'ghs_schedule', (l) => lines.push(l));
      expect(down.requests).toHaveLength(4);
      expect(lines.filter((l) => /retry \d\/3/.test(l))).toHaveLength(3);
      expect(source).toMatchObject({ from: 'ref', defaultBranch: 'master', metadata: {} });
      expect(source.warning).toBe(
        'The schedule event does not describe the repository and the GitHub API could not be read (GitHub API GET /repos/acme/shop: 503 Service Unavailable): the default branch is master, as schedule runs on it; the description and licence labels are left empty.',
      );
      expect(ruleTags([...TAG_RULES], gitState(ctx, { defaultBranch: source.defaultBranch })).tags).toEqual([
        'sha-860c190',
        'master',
        'latest',
      ]);
    } finally {
      await down.close();
    }
  });

  it('an event off the default branch without repository and without a token: main is assumed, and the warning says so', async () => {
    const ctx = contextOf({ event: 'workflow_call', ref: 'refs/heads/master', fixture: 'schedule.json' });
    const source = await sourceRepository(ctx, '', () => undefined);
    expect(source).toMatchObject({ from: 'none', defaultBranch: undefined });
    expect(source.warning).toBe(
      'The workflow_call event does not describe the repository and the GitHub API could not be read (github-token is empty): the "latest" rule takes the default branch to be main; the description and licence labels are left empty.',
    );
    expect(ruleTags([...TAG_RULES], gitState(ctx, { defaultBranch: source.defaultBranch })).tags).toEqual([
      'sha-860c190',
      'master',
    ]);
  });
});
