import * as core from '@actions/core';
import { runContext } from '../../../shared/context.js';
import { assertBuilderSupports, buildImage } from '../../../shared/docker/build.js';
import { checkDaemon, detectBuilder } from '../../../shared/docker/builder.js';
import { effectiveCache } from '../../../shared/docker/buildx.js';
import { ociLabels } from '../../../shared/docker/labels.js';
import { dockerLogin, dockerLogout } from '../../../shared/docker/login.js';
import { resolveBuildPaths } from '../../../shared/docker/paths.js';
import { sourceRepository } from '../../../shared/docker/source-repository.js';
import { imageSummary, type ImageMetadata } from '../../../shared/docker/report.js';
import type { BuildSpec } from '../../../shared/docker/spec.js';
import { gitState, ruleTags } from '../../../shared/docker/tags.js';
import { formatDuration } from '../../../shared/duration.js';
import { UserError } from '../../../shared/errors.js';
import { info } from '../../../shared/log.js';
import { run } from '../../../shared/run.js';
import { writeSummary } from '../../../shared/summary.js';
import { readConfig } from './config.js';

const LOGGED_IN = 'registry';
const SECRET_LIKE = /pass|secret|token|key|credential|auth/i;

async function main(): Promise<void> {
  const config = readConfig();
  const ctx = runContext();
  const image = config.image;
  const paths = resolveBuildPaths(ctx.workspace, config.context, config.file);

  const source = await sourceRepository(ctx, config.githubToken, info);
  if (source.warning) core.warning(source.warning);
  const git = gitState(ctx, { defaultBranch: source.defaultBranch, shaSource: config['sha-source'] });
  const rules = ruleTags(config['tag-rules'], git);
  const tags = [...new Set([...rules.tags.map((t) => `${image.name}:${t}`), ...config.tags])];
  if (!tags.length) throw new UserError(`No tags for this run (${ctx.eventName} on ${ctx.ref}): the tag rules "${config['tag-rules'].join(',')}" produced none; add a tag in "tags" or the "sha" rule`);
  const labels = ociLabels(ctx, source.metadata, { version: rules.version, revision: git.sha }, new Date(), config.labels);

  for (const key of Object.keys(config['build-args']).filter((k) => SECRET_LIKE.test(k)))
    core.warning(`Build arg ${key} looks like a secret. Build args are stored in the image history and printed in logs: pass secrets as BuildKit secrets instead.`);

  await checkDaemon();
  const builder = await detectBuilder();
  const cache = builder.kind === 'buildx' ? effectiveCache(config['layer-cache'], process.env) : { mode: 'none' as const, note: config['layer-cache'] !== 'none' ? `layer-cache: ${config['layer-cache']} is ignored by the classic builder (no buildx here)` : undefined };
  if (cache.note) info(cache.note);
  const spec: BuildSpec = {
    context: paths.context,
    file: paths.file,
    tags,
    labels,
    buildArgs: config['build-args'],
    target: config.target,
    platforms: config.platforms,
    push: config.push,
    cache: cache.mode,
    image: image.name,
  };
  assertBuilderSupports(spec, builder);
  info(`Building ${image.name} with ${builder.kind === 'buildx' ? 'docker buildx' : 'the classic builder'}; tags:\n${tags.map((t) => `  ${t}`).join('\n')}`);

  if (config.login) {
    const { registry, username } = config.login;
    const login = await dockerLogin({ ...config.login, log: info });
    // Saved once the login succeeded: logging out after a refused one would drop a login the job made itself.
    core.saveState(LOGGED_IN, registry);
    info(`Logged in to ${registry} as ${username}${login.attempts > 1 ? ` (after ${login.attempts} attempts)` : ''}`);
  }

  const outcome = await buildImage(spec, { builder, tempDir: ctx.runnerTemp, cwd: ctx.workspace, timeoutMs: 60 * 60_000 });
  const imageRef = outcome.digest ? `${image.name}@${outcome.digest}` : undefined;
  const metadata: ImageMetadata = {
    image: image.name,
    tags,
    labels,
    digest: outcome.digest,
    imageRef,
    imageId: outcome.imageId,
    pushed: config.push,
    builder: builder.kind,
    size: outcome.size,
    buildMs: Math.round(outcome.buildMs),
    pushMs: Math.round(outcome.pushMs),
  };
  core.setOutput('digest', outcome.digest ?? '');
  core.setOutput('image-ref', imageRef ?? '');
  core.setOutput('imageid', outcome.imageId);
  core.setOutput('tags', tags.join('\n'));
  core.setOutput('labels', JSON.stringify(labels));
  core.setOutput('metadata', JSON.stringify(metadata));
  await writeSummary('## Build and push', imageSummary(metadata));
  info(config.push ? `Pushed ${imageRef} in ${formatDuration(Math.round(outcome.buildMs + outcome.pushMs))}` : `Built ${outcome.imageId} (not pushed)`);
}

async function post(): Promise<void> {
  const registry = core.getState(LOGGED_IN);
  if (!registry) return;
  await dockerLogout(registry);
  info(`Logged out of ${registry}`);
}

await run(main, post);
