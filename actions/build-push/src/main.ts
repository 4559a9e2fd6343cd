import * as core from '@actions/core';
import { runContext } from '../../../shared/context.js';
import { assertBuilderSupports, buildImage } from '../../../shared/docker/build.js';
import { checkDaemon, detectBuilder } from '../../../shared/docker/builder.js';
import { dockerLogin, dockerLogout } from '../../../shared/docker/login.js';
import { resolveBuildPaths } from '../../../shared/docker/paths.js';
import { layerCacheFor, planImage, warnSecretLikeBuildArgs } from '../../../shared/docker/plan.js';
import { imageMetadata, imageOutputs, imageSummary } from '../../../shared/docker/report.js';
import type { BuildSpec } from '../../../shared/docker/spec.js';
import { formatDuration } from '../../../shared/duration.js';
import { info } from '../../../shared/log.js';
import { run } from '../../../shared/run.js';
import { writeSummary } from '../../../shared/summary.js';
import { readConfig, type Login } from './config.js';

const LOGGED_IN = 'registry';

async function main(): Promise<void> {
  const config = readConfig();
  const ctx = runContext();
  const image = config.image.name;
  const paths = resolveBuildPaths(ctx.workspace, config.context, config.file);
  const { tags, labels } = await planImage(ctx, {
    image,
    tagRules: config['tag-rules'],
    extraTags: config.tags,
    shaSource: config['sha-source'],
    extraLabels: config.labels,
    githubToken: config.githubToken,
  });
  warnSecretLikeBuildArgs(config['build-args']);

  await checkDaemon();
  const builder = await detectBuilder();
  const spec: BuildSpec = {
    context: paths.context,
    file: paths.file,
    tags,
    labels,
    buildArgs: config['build-args'],
    target: config.target,
    platforms: config.platforms,
    push: config.push,
    cache: layerCacheFor(builder, config['layer-cache']),
    image,
  };
  assertBuilderSupports(spec, builder);
  info(
    `Building ${image} with ${builder.kind === 'buildx' ? 'docker buildx' : 'the classic builder'}; tags:\n${tags.map((t) => `  ${t}`).join('\n')}`,
  );

  if (config.login) await logIn(config.login);
  const outcome = await buildImage(spec, {
    builder,
    tempDir: ctx.runnerTemp,
    cwd: ctx.workspace,
    timeoutMs: 60 * 60_000,
  });

  const metadata = imageMetadata(spec, builder, outcome);
  for (const [name, value] of Object.entries(imageOutputs(metadata))) core.setOutput(name, value);
  await writeSummary('## Build and push', imageSummary(metadata));
  info(
    config.push
      ? `Pushed ${metadata.imageRef} in ${formatDuration(Math.round(outcome.buildMs + outcome.pushMs))}`
      : `Built ${outcome.imageId} (not pushed)`,
  );
}

async function logIn(login: Login): Promise<void> {
  const { attempts } = await dockerLogin({ ...login, log: info });
  // Saved once the login succeeded: logging out after a refused one would drop a login the job made itself.
  core.saveState(LOGGED_IN, login.registry);
  info(`Logged in to ${login.registry} as ${login.username}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}`);
}

async function post(): Promise<void> {
  const registry = core.getState(LOGGED_IN);
  if (!registry) return;
  await dockerLogout(registry);
  info(`Logged out of ${registry}`);
}

await run(main, post);
