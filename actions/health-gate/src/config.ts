import { z } from 'zod';
import { gateInputs, gateValues } from '../../../shared/health/inputs.js';
import { refineMetricInputs } from '../../../shared/health/metric-inputs.js';
import { httpUrl, parseInputs } from '../../../shared/inputs.js';

const schema = z
  .object({ url: httpUrl({ credentials: 'send credentials in "headers"' }), ...gateInputs() })
  .superRefine(refineMetricInputs());

export function readConfig() {
  const config = parseInputs(schema, { secrets: ['prometheus-headers'] });
  return { url: config.url, gate: gateValues(config) };
}
