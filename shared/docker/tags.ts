import type { RunContext } from '../context.js';
import { isValidTag } from './reference.js';

/** The automatic tags, in the order they are listed by default. */
export const TAG_RULES = ['sha', 'branch', 'pr', 'semver', 'latest'] as const;
export type TagRule = (typeof TAG_RULES)[number];

export interface Semver {
  major: number;
  minor: number;
  patch: number;
  prerelease?: string;
  /** The version without the `v`, e.g. `1.2.3` or `2.0.0-rc.1`. */
  version: string;
}

const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export function parseSemver(tag: string): Semver | undefined {
  const m = SEMVER.exec(tag);
  if (!m) return undefined;
  const [, major, minor, patch, prerelease] = m;
  const core = `${major}.${minor}.${patch}`;
  return {
    major: Number(major),
    minor: Number(minor),
    patch: Number(patch),
    prerelease,
    version: prerelease ? `${core}-${prerelease}` : core,
  };
}

/** `1.2.3`, `1.2`, `1`; a prerelease gets only its full version, and major 0 never gets a bare `0`. */
export function semverTags(v: Semver): string[] {
  if (v.prerelease) return [v.version];
  const tags = [v.version, `${v.major}.${v.minor}`];
  if (v.major > 0) tags.push(String(v.major));
  return tags;
}

/**
 * A git ref name as a Docker tag: lower-case, each run of other characters to one `-` (as docker/metadata-action), no
 * leading `.`/`-`, at most 128.
 */
export function sanitizeTag(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128);
}

export interface GitState {
  sha: string;
  eventName: string;
  /** `refs/heads/main`, `refs/tags/v1.2.3`, `refs/pull/7/merge`. */
  ref: string;
  prNumber?: number;
  defaultBranch?: string;
}

const PR_EVENTS = new Set(['pull_request', 'pull_request_target']);

/** Which commit `sha` tags and the revision label name: GITHUB_SHA, or on pull requests the PR's head commit. */
export const SHA_SOURCES = ['github-sha', 'pr-head'] as const;
export type ShaSource = (typeof SHA_SOURCES)[number];

/**
 * What the tag rules read from the run. On pull_request GITHUB_SHA is the
 * merge commit GitHub made, on pull_request_target the base branch's
 * latest commit; `pr-head` takes the PR's head commit instead (what
 * docker/metadata-action's DOCKER_METADATA_PR_HEAD_SHA does).
 */
export function gitState(ctx: RunContext, options: { defaultBranch?: string; shaSource?: ShaSource } = {}): GitState {
  const event = ctx.event as { number?: unknown; pull_request?: { number?: unknown; head?: { sha?: unknown } } };
  const fromEvent = Number(event.pull_request?.number ?? event.number);
  const fromRef = /^refs\/pull\/(\d+)\//.exec(ctx.ref)?.[1];
  const prNumber = Number.isInteger(fromEvent) && fromEvent > 0 ? fromEvent : fromRef ? Number(fromRef) : undefined;
  const head = event.pull_request?.head?.sha;
  const sha =
    options.shaSource === 'pr-head' &&
    PR_EVENTS.has(ctx.eventName) &&
    typeof head === 'string' &&
    /^[0-9a-f]{40}$/i.test(head)
      ? head
      : ctx.sha;
  return { sha, eventName: ctx.eventName, ref: ctx.ref, prNumber, defaultBranch: options.defaultBranch };
}

export interface RuleTags {
  /** Tags (without repository), deduplicated, in rule order. */
  tags: string[];
  /**
   * What the image is a version of, for the `org.opencontainers.image.version`
   * label, whichever rules are on: a semver tag's version without `v`, else
   * `pr-<n>`, else the branch tag, else any other git tag's name sanitised as
   * a branch is (`release-7`), else `sha-<7>`.
   */
  version: string;
  semver?: Semver;
}

/**
 * The automatic tags for this run. `latest` goes on runs on the default
 * branch (`main` when it is not known) and on release semver tags, never
 * on pull requests.
 */
export function ruleTags(rules: readonly TagRule[], git: GitState): RuleTags {
  const enabled = new Set(rules);
  const isPr = PR_EVENTS.has(git.eventName);
  const branch = !isPr && git.ref.startsWith('refs/heads/') ? git.ref.slice('refs/heads/'.length) : undefined;
  const gitTag = !isPr && git.ref.startsWith('refs/tags/') ? git.ref.slice('refs/tags/'.length) : undefined;
  const semver = gitTag ? parseSemver(gitTag) : undefined;
  const shaTag = git.sha ? `sha-${git.sha.slice(0, 7).toLowerCase()}` : undefined;
  const branchTag = branch ? sanitizeTag(branch) || undefined : undefined;
  const prTag = isPr && git.prNumber ? `pr-${git.prNumber}` : undefined;

  const tags: string[] = [];
  for (const rule of TAG_RULES) {
    if (!enabled.has(rule)) continue;
    if (rule === 'sha' && shaTag) tags.push(shaTag);
    if (rule === 'branch' && branchTag) tags.push(branchTag);
    if (rule === 'pr' && prTag) tags.push(prTag);
    if (rule === 'semver' && semver) tags.push(...semverTags(semver));
    if (
      rule === 'latest' &&
      !isPr &&
      ((branch !== undefined && branch === (git.defaultBranch ?? 'main')) || (semver && !semver.prerelease))
    )
      tags.push('latest');
  }
  const version = semver?.version ?? prTag ?? branchTag ?? (gitTag ? sanitizeTag(gitTag) : undefined) ?? shaTag ?? '';
  return { tags: [...new Set(tags)].filter(isValidTag), version, semver };
}
