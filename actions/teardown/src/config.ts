import { z } from 'zod';
import { environmentName, githubToken, providerName, serviceName } from '../../../shared/deploy/inputs.js';
import { boolean } from '../../../shared/inputs.js';
import { parseWithProvider } from '../../../shared/providers/config.js';
import { TEARDOWN_UNUSED } from '../../../shared/teardown/teardown.js';

const common = z.object({
  environment: environmentName(),
  provider: providerName(),
  service: serviceName(),
  'remove-volumes': boolean(),
  'github-token': githubToken(),
});

export type TeardownConfig = z.output<typeof common>;

export function readConfig() {
  return parseWithProvider(common, ['github-token'], 'teardown', TEARDOWN_UNUSED);
}
