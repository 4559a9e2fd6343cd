/**
 * What one build-push run builds: the tags (from the tag rules and the event, plus the explicit ones),
 * the OCI labels, and the layer cache the builder in hand can use.
 */
import * as core from '@actions/core';
import type { RunContext } from '../context.js';
import { UserError } from '../errors.js';
import { info } from '../log.js';
import type { Builder } from './builder.js';
import { effectiveCache } from './buildx.js';
import { ociLabels } from './labels.js';
import { sourceRepository } from './source-repository.js';
import type { CacheMode } from './spec.js';
import { gitState, ruleTags, type ShaSource, type TagRule } from './tags.js';

export interface ImagePlanRequest {
  image: string;
  tagRules: TagRule[];
  extraTags: string[];
  shaSource: ShaSource;
  extraLabels: Record<string, string>;
  githubToken: string;
}

export interface ImagePlan {
  tags: string[];
  labels: Record<string, string>;
}

// Build args end up in the image history and the log, where a secret has no business.
const SECRET_LIKE = /pass|secret|token|key|credential|auth/i;

export async function planImage(ctx: RunContext, request: ImagePlanRequest): Promise<ImagePlan> {
  const source = await sourceRepository(ctx, request.githubToken, info);
  if (source.warning) core.warning(source.warning);
  const git = gitState(ctx, { defaultBranch: source.defaultBranch, shaSource: request.shaSource });
  const rules = ruleTags(request.tagRules, git);
  const tags = [...new Set([...rules.tags.map((t) => `${request.image}:${t}`), ...request.extraTags])];
  if (!tags.length)
    throw new UserError(
      `No tags for this run (${ctx.eventName} on ${ctx.ref}): the tag rules "${request.tagRules.join(',')}" produced none; add a tag in "tags" or the "sha" rule`,
    );
  const version = { version: rules.version, revision: git.sha };
  return { tags, labels: ociLabels(ctx, source.metadata, version, new Date(), request.extraLabels) };
}

export function warnSecretLikeBuildArgs(buildArgs: Record<string, string>): void {
  for (const key of Object.keys(buildArgs).filter((k) => SECRET_LIKE.test(k)))
    core.warning(
      `Build arg ${key} looks like a secret. Build args are stored in the image history and printed in logs: pass secrets as BuildKit secrets instead.`,
    );
}

/** The layer cache the builder can use: the classic builder has none, and says so when one was asked for. */
export function layerCacheFor(builder: Builder, requested: CacheMode): CacheMode {
  const cache =
    builder.kind === 'buildx'
      ? effectiveCache(requested, process.env)
      : {
          mode: 'none' as const,
          note:
            requested !== 'none'
              ? `layer-cache: ${requested} is ignored by the classic builder (no buildx here)`
              : undefined,
        };
  if (cache.note) info(cache.note);
  return cache.mode;
}
