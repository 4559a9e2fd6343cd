import type { BuildSpec, CacheMode } from './spec.js';

/**
 * The gha cache needs the runner's cache service credentials, which the runner
 * gives to JavaScript actions only; without them the cache is skipped.
 */
export function effectiveCache(mode: CacheMode, env: NodeJS.ProcessEnv): { mode: CacheMode; note?: string } {
  if (mode === 'gha' && !(env.ACTIONS_RUNTIME_TOKEN && (env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL)))
    return {
      mode: 'none',
      note: 'cache: gha needs ACTIONS_RUNTIME_TOKEN and the cache service URL, which only a GitHub runner provides; building without a cache',
    };
  return { mode };
}

/** One gha cache scope per image, so two images built in one repository do not evict each other. */
const scope = (image: string) => image.replace(/[^a-zA-Z0-9._-]/g, '-');

/** `--cache-from` / `--cache-to` pairs. Export failures are ignored (`ignore-error`): a cache is an optimisation. */
export function cacheArgs(spec: Pick<BuildSpec, 'cache' | 'image'>, exportCache = true): string[] {
  let from: string;
  let to: string;
  if (spec.cache === 'gha') {
    from = `type=gha,scope=${scope(spec.image)}`;
    to = `type=gha,scope=${scope(spec.image)},mode=max,ignore-error=true`;
  } else if (spec.cache === 'registry') {
    from = `type=registry,ref=${spec.image}:buildcache`;
    to = `type=registry,ref=${spec.image}:buildcache,mode=max,ignore-error=true`;
  } else return [];
  return exportCache ? ['--cache-from', from, '--cache-to', to] : ['--cache-from', from];
}

export interface BuildxFiles {
  metadataFile: string;
  iidFile: string;
}

/**
 * argv for `docker buildx build`. `--push` pushes every tag; without push a
 * single-platform image is loaded into the local store (`--load`) so it can be
 * run; a multi-platform image cannot be loaded and stays in the build cache.
 */
export function buildxArgs(spec: BuildSpec, files: BuildxFiles, options: { exportCache?: boolean } = {}): string[] {
  const argv = [
    'docker',
    'buildx',
    'build',
    ...(spec.file ? ['--file', spec.file] : []),
    '--metadata-file',
    files.metadataFile,
    '--iidfile',
    files.iidFile,
  ];
  for (const tag of spec.tags) argv.push('--tag', tag);
  for (const [key, value] of Object.entries(spec.labels)) argv.push('--label', `${key}=${value}`);
  for (const [key, value] of Object.entries(spec.buildArgs)) argv.push('--build-arg', `${key}=${value}`);
  if (spec.target) argv.push('--target', spec.target);
  if (spec.platforms.length) argv.push('--platform', spec.platforms.join(','));
  argv.push(...cacheArgs(spec, options.exportCache ?? true));
  if (spec.push) argv.push('--push');
  else if (spec.platforms.length <= 1) argv.push('--load');
  argv.push(spec.context);
  return argv;
}

export interface BuildxMetadata {
  digest?: string;
  imageId?: string;
}

/** The `--metadata-file` JSON: the pushed manifest (or index) digest and the image config digest. */
export function parseBuildxMetadata(text: string): BuildxMetadata {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
  const digest = (key: string) =>
    typeof data[key] === 'string' && /^sha256:[0-9a-f]{64}$/.test(data[key]) ? data[key] : undefined;
  return { digest: digest('containerimage.digest'), imageId: digest('containerimage.config.digest') };
}

/** A build that failed only because the cache could not be exported (e.g. the `docker` driver refuses cache export). */
export function isCacheExportFailure(output: string): boolean {
  return /cache export (feature )?is (currently )?not supported|failed to (export|write) cache|error writing (layer|manifest) (blob|to cache)|exporting cache.*(ERROR|error)/i.test(
    output,
  );
}
