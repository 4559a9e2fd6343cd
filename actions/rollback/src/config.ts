import { z } from 'zod';
import { duration, integer, optionalHttpUrl, optionalText, requiredText } from '../../../shared/inputs.js';
import { environmentName, parseWithProvider, providerName, serviceName } from '../../../shared/providers/config.js';

const common = z.object({
  environment: environmentName(),
  provider: providerName(),
  service: serviceName(),
  publish: integer({ min: 1, max: 65535 }),
  'health-path': requiredText('a path such as /health').transform((s) => (s.startsWith('/') ? s : `/${s}`)),
  'health-timeout': duration({ min: 1000 }),
  to: optionalText(),
  reason: optionalText(),
  'environment-url': optionalHttpUrl(),
  'github-token': optionalText(),
});

export type Config = z.output<typeof common>;

export function readConfig() {
  return parseWithProvider(common, ['github-token']);
}
