import { z } from 'zod';
import { parseImageReference } from '../docker/reference.js';
import { duration, fail, integer, keyValueLines, oneOf, optionalHttpUrl, secretText, singleLine } from '../inputs.js';
import { providerNames } from '../providers/index.js';

/**
 * The inputs of a deploy: deploy-to-env's schema, which the one-step deploy
 * takes as it is, and the fields rollback shares with it. The provider's own
 * inputs are added by parseWithProvider (shared/providers/config.ts).
 */

/** Environment names as GitHub and container names both accept them. */
export const environmentName = () =>
  singleLine().transform((s, ctx) => {
    const v = s.trim();
    return /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(v)
      ? v
      : fail(ctx, 'an environment name of letters, digits, "-" and "_" (starting with a letter or digit, at most 63)');
  });

/** Service names end up in container names: letters, digits, `.`, `_`, `-`. Empty means the repository name. */
export const serviceName = () =>
  singleLine().transform((s, ctx) => {
    const v = s.trim();
    return v === '' || /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(v)
      ? v
      : fail(ctx, 'a name of letters, digits, ".", "_" and "-" (starting with a letter or digit, at most 63)');
  });

/**
 * A path on the release itself: `/health`, never `//other-host/…`, which a URL
 * join would send elsewhere. Empty: the Docker provider waits for the image's
 * own HEALTHCHECK instead.
 */
export const readinessPath = () =>
  singleLine().transform((s, ctx) => {
    if (!s.trim()) return '';
    const path = s.trim().startsWith('/') ? s.trim() : `/${s.trim()}`;
    return /^\/(?!\/)[^\s\\]*$/.test(path)
      ? path
      : fail(ctx, 'a path such as /health (no spaces, not starting with //)');
  });

export const providerName = () => oneOf(providerNames() as [string, ...string[]]);

/** The environment's URL where it is only shown (GitHub Deployment, summary), never requested. */
export const shownEnvironmentUrl = () =>
  optionalHttpUrl({
    credentials: 'the environment URL is only shown, on the GitHub Deployment and in the summary, and needs none',
  });

/** The token that records GitHub Deployments; empty: none recorded. */
export const githubToken = () => secretText({ token: true });

/** Keys of the `env` input: variable names (values are masked by keyValueLines). */
export const ENV_KEY = {
  pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
  expected: 'variable names of letters, digits and "_" (not starting with a digit)',
};

/** deploy-to-env's inputs; `github-token` is a secret. */
export const deployInputs = z.object({
  environment: environmentName(),
  image: singleLine().transform((s, ctx) => {
    const parsed = parseImageReference(s);
    return parsed.ok ? parsed.value : fail(ctx, parsed.reason);
  }),
  provider: providerName(),
  strategy: oneOf(['blue-green', 'recreate', 'rolling'] as const),
  service: serviceName(),
  port: integer({ min: 1, max: 65535 }),
  publish: integer({ min: 1, max: 65535 }),
  'readiness-path': readinessPath(),
  'readiness-timeout': duration({ min: 1000 }),
  env: keyValueLines({ secretValues: true, key: ENV_KEY }),
  keep: integer({ min: 0, max: 50 }),
  'environment-url': shownEnvironmentUrl(),
  'github-token': githubToken(),
});

export type DeployConfig = z.output<typeof deployInputs>;
