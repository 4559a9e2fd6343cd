import type { BuildSpec } from './spec.js';

/** argv for the classic builder (`docker build`); it has no cache export, no platforms and no push. */
export function classicBuildArgs(spec: BuildSpec, iidFile: string): string[] {
  const argv = ['docker', 'build', ...(spec.file ? ['--file', spec.file] : []), '--iidfile', iidFile];
  for (const tag of spec.tags) argv.push('--tag', tag);
  for (const [key, value] of Object.entries(spec.labels)) argv.push('--label', `${key}=${value}`);
  for (const [key, value] of Object.entries(spec.buildArgs)) argv.push('--build-arg', `${key}=${value}`);
  if (spec.target) argv.push('--target', spec.target);
  argv.push(spec.context);
  return argv;
}

/** `docker push` ends with `<tag>: digest: sha256:… size: N`: the manifest digest the registry stored. */
export function parsePushDigest(output: string): string | undefined {
  return /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1];
}
