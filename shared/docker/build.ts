import * as core from '@actions/core';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { exec, tail, type ExecResult } from '../exec.js';
import { info } from '../log.js';
import type { Builder } from './builder.js';
import { buildxArgs, isCacheExportFailure, parseBuildxMetadata } from './buildx.js';
import { classicBuildArgs, parsePushDigest } from './classic.js';
import { buildFailureMessage } from './failure.js';
import type { BuildOutcome, BuildSpec } from './spec.js';
import { isRefused, retryTransient } from './transient.js';

export interface BuildOptions {
  builder: Builder;
  /** Scratch folder for the iid/metadata files. */
  tempDir: string;
  cwd?: string;
  /** Attempts per push (classic builder); transient failures only. */
  pushAttempts?: number;
  retryBaseDelayMs?: number;
  timeoutMs?: number;
}

/**
 * Stream a command's output into a collapsed log group. Workflow commands are
 * switched off meanwhile, so a Dockerfile that prints `::…::` cannot act on
 * the job.
 */
async function grouped(
  title: string,
  argv: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<ExecResult> {
  core.startGroup(title);
  const token = randomUUID();
  process.stdout.write(`::stop-commands::${token}\n`);
  try {
    return await exec(argv, { ...options, allowFailure: true, onOutput: (chunk) => process.stdout.write(chunk) });
  } finally {
    process.stdout.write(`\n::${token}::\n`);
    core.endGroup();
  }
}

const readIfAny = (path: string) => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
};

export async function imageSize(imageId: string): Promise<number | undefined> {
  const run = await exec(['docker', 'image', 'inspect', '--format', '{{.Size}}', imageId], {
    allowFailure: true,
    timeoutMs: 30_000,
  });
  const size = Number(run.stdout.trim());
  return run.code === 0 && Number.isFinite(size) ? size : undefined;
}

async function buildWithBuildx(spec: BuildSpec, options: BuildOptions): Promise<BuildOutcome> {
  const dir = mkdtempSync(join(options.tempDir, 'buildx-'));
  const files = { metadataFile: join(dir, 'metadata.json'), iidFile: join(dir, 'iid') };
  const warnings: string[] = [];
  if (!spec.push && spec.platforms.length > 1) {
    const warning = `A multi-platform image (${spec.platforms.join(',')}) cannot be loaded into the local image store: with push: false it stays in the build cache only`;
    core.warning(warning);
    warnings.push(warning);
  }
  const started = performance.now();
  let run = await grouped(
    `docker buildx build (${spec.tags.length} tag(s)${spec.push ? ', push' : ''})`,
    buildxArgs(spec, files),
    { cwd: options.cwd, timeoutMs: options.timeoutMs },
  );
  if (run.code !== 0 && spec.cache !== 'none' && isCacheExportFailure(run.stdout + run.stderr)) {
    const warning = `Cache export failed; building again without exporting the cache:\n${tail(run.stderr || run.stdout, 3)}`;
    core.warning(warning);
    warnings.push(warning);
    run = await grouped('docker buildx build (without cache export)', buildxArgs(spec, files, { exportCache: false }), {
      cwd: options.cwd,
      timeoutMs: options.timeoutMs,
    });
  }
  const buildMs = performance.now() - started;
  if (run.code !== 0) throw new UserError(buildFailureMessage(run.stdout + run.stderr, run.code));
  const metadata = parseBuildxMetadata(readIfAny(files.metadataFile));
  const imageId = metadata.imageId ?? readIfAny(files.iidFile);
  if (spec.push && !metadata.digest)
    throw new UserError(`buildx pushed ${spec.tags.join(', ')} but its metadata file has no containerimage.digest`);
  return {
    imageId,
    digest: spec.push ? metadata.digest : undefined,
    size: spec.push ? undefined : await imageSize(imageId),
    buildMs,
    pushMs: 0,
    warnings,
  };
}

async function pushTag(tag: string, options: BuildOptions): Promise<string> {
  let output = '';
  const result = await retryTransient(
    async () => {
      const run = await exec(['docker', 'push', tag], {
        allowFailure: true,
        timeoutMs: options.timeoutMs,
        cwd: options.cwd,
      });
      output = `${run.stdout}\n${run.stderr}`;
      return run.code === 0 ? { ok: true } : { ok: false, output };
    },
    {
      attempts: options.pushAttempts ?? 3,
      baseDelayMs: options.retryBaseDelayMs,
      onRetry: (n, of, delay, out) =>
        info(`Push of ${tag} failed (attempt ${n}/${of}, retrying in ${(delay / 1000).toFixed(1)}s): ${tail(out, 1)}`),
    },
  );
  if (!result.ok) {
    if (isRefused(result.output))
      throw new UserError(
        `Push of ${tag} refused by the registry (not logged in, or no permission to push there):\n${tail(result.output, 3)}`,
      );
    throw new UserError(`Push of ${tag} failed after ${result.attempts} attempt(s):\n${tail(result.output, 5)}`);
  }
  const digest = parsePushDigest(output);
  if (!digest) throw new UserError(`docker push ${tag} succeeded but printed no digest:\n${tail(output, 3)}`);
  info(`Pushed ${tag} (${digest})`);
  return digest;
}

/** What only buildx can do, refused up front (before any login) when the classic builder is all there is. */
export function assertBuilderSupports(spec: BuildSpec, builder: Builder): void {
  if (builder.kind === 'classic' && spec.platforms.length)
    throw new UserError(
      `"platforms" (${spec.platforms.join(',')}) needs docker buildx, which is not installed here: install the buildx plugin (docker/setup-buildx-action) or remove "platforms"`,
    );
}

async function buildClassic(spec: BuildSpec, options: BuildOptions): Promise<BuildOutcome> {
  const dir = mkdtempSync(join(options.tempDir, 'build-'));
  const iidFile = join(dir, 'iid');
  const started = performance.now();
  // The classic builder, explicitly: a newer client with DOCKER_BUILDKIT=1 and no buildx refuses to build at all.
  const run = await grouped(`docker build (${spec.tags.length} tag(s))`, classicBuildArgs(spec, iidFile), {
    cwd: options.cwd,
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
    timeoutMs: options.timeoutMs,
  });
  const buildMs = performance.now() - started;
  if (run.code !== 0) throw new UserError(buildFailureMessage(run.stdout + run.stderr, run.code));
  const imageId = readIfAny(iidFile);
  const size = await imageSize(imageId);
  if (!spec.push) return { imageId, size, buildMs, pushMs: 0, warnings: [] };

  const pushStarted = performance.now();
  const digests = new Map<string, string>();
  for (const tag of spec.tags) digests.set(tag, await pushTag(tag, options));
  // Another registry may store the manifest under another digest: report the one of the action's own image.
  const digest = digests.get(spec.tags.find((tag) => tag.startsWith(`${spec.image}:`)) ?? spec.tags[0])!;
  return { imageId, digest, size, buildMs, pushMs: performance.now() - pushStarted, warnings: [] };
}

/** Build (and push) with whichever builder is installed. */
export function buildImage(spec: BuildSpec, options: BuildOptions): Promise<BuildOutcome> {
  assertBuilderSupports(spec, options.builder);
  return options.builder.kind === 'buildx' ? buildWithBuildx(spec, options) : buildClassic(spec, options);
}
