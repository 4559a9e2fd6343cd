import { z } from 'zod';
import {
  environmentName,
  githubToken,
  providerName,
  readinessPath,
  serviceName,
  shownEnvironmentUrl,
} from '../../../shared/deploy/inputs.js';
import { duration, fail, integer, optionalText } from '../../../shared/inputs.js';
import { bashScript } from '../../../shared/providers/command/script.js';
import { parseWithProvider } from '../../../shared/providers/config.js';

const common = z.object({
  environment: environmentName(),
  provider: providerName(),
  service: serviceName(),
  publish: integer({ min: 1, max: 65535 }),
  'readiness-path': readinessPath(),
  'readiness-timeout': duration({ min: 1000 }),
  // A version, an image reference or a revision number: it reaches docker and kubectl, so no spaces, quotes or leading
  // "-".
  to: optionalText({ max: 512 }).transform((s, ctx) =>
    s === undefined || /^[A-Za-z0-9][A-Za-z0-9._:@/+-]*$/.test(s)
      ? s
      : fail(
          ctx,
          'a version, image reference or revision number (letters, digits and . _ : @ / + -, starting with a letter or digit)',
        ),
  ),
  // Free text, recorded on the GitHub Deployment (whose description GitHub cuts at 140 characters) and in the summary.
  reason: optionalText({ max: 1000 }),
  'environment-url': shownEnvironmentUrl(),
  'github-token': githubToken(),
  'pre-rollback-command': bashScript(),
  'hooks-timeout': duration({ min: 1000 }),
});

export type Config = z.output<typeof common>;

export function readConfig() {
  return parseWithProvider(common, ['github-token'], 'rollback');
}
