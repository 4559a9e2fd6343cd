import { z } from 'zod';
import { parseImageReference } from '../../../shared/docker/reference.js';
import { duration, fail, integer, keyValueLines, oneOf, optionalHttpUrl, secretText, singleLine } from '../../../shared/inputs.js';
import { ENV_KEY, environmentName, readinessPath, parseWithProvider, providerName, serviceName } from '../../../shared/providers/config.js';

export const common = z.object({
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
  'environment-url': optionalHttpUrl({ credentials: 'the environment URL is only shown, on the GitHub Deployment and in the summary, and needs none' }),
  'github-token': secretText({ token: true }),
});

export type Config = z.output<typeof common>;

export function readConfig() {
  return parseWithProvider(common, ['github-token'], 'deploy');
}
