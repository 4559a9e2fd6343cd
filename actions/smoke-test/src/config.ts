import { z } from 'zod';
import { filePath, httpUrl, parseInputs } from '../../../shared/inputs.js';
import { smokeInputs, smokeValues } from '../../../shared/smoke/inputs.js';

const schema = z.object({
  'base-url': httpUrl({ credentials: 'send credentials in "headers"' }),
  ...smokeInputs(),
  'junit-report': filePath(),
});

export function readConfig() {
  const config = parseInputs(schema);
  return { baseUrl: config['base-url'], junitReport: config['junit-report'], smoke: smokeValues(config) };
}
