import { z } from 'zod';
import { duration, integer, keyValueLines, oneOf, optionalHttpUrl, optionalText, requiredText } from '../../../shared/inputs.js';
import { checkEnvKeys, environmentName, parseWithProvider, providerName, serviceName } from '../../../shared/providers/config.js';

export const common = z.object({
  environment: environmentName(),
  image: requiredText('an image reference such as registry.example.com/app@sha256:… or app:1.2.3').transform((s, ctx) => {
    if (/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(s) && !/\s/.test(s)) return s;
    ctx.addIssue({ code: 'custom', message: 'an image reference such as registry.example.com/app@sha256:… or app:1.2.3' });
    return z.NEVER;
  }),
  provider: providerName(),
  strategy: oneOf(['blue-green', 'recreate', 'rolling'] as const),
  service: serviceName(),
  port: integer({ min: 1, max: 65535 }),
  publish: integer({ min: 1, max: 65535 }),
  'health-path': requiredText('a path such as /health').transform((s) => (s.startsWith('/') ? s : `/${s}`)),
  'health-timeout': duration({ min: 1000 }),
  env: keyValueLines({ secretValues: true }).transform((env, ctx) => {
    const problem = checkEnvKeys(env);
    if (!problem) return env;
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }),
  keep: integer({ min: 0, max: 50 }),
  'environment-url': optionalHttpUrl(),
  'github-token': optionalText(),
});

export type Config = z.output<typeof common>;

export function readConfig() {
  return parseWithProvider(common, ['github-token']);
}
