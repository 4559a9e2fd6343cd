import { formatDuration } from '../duration.js';
import { UserError } from '../errors.js';
import { info } from '../log.js';
import { Redactor } from '../redact.js';
import type { FlowSpec } from '../smoke/spec.js';
import { runFlows, type FlowResult } from '../smoke/flows.js';
import { hasSmokeChecks, smokeFlows, smokeOptions, type SmokeValues } from '../smoke/inputs.js';
import { smokeSummary, totals, type Totals } from '../smoke/report.js';
import type { StageOutcome } from './pipeline.js';

/**
 * The smoke stage: every flow against the environment, by the smoke-test
 * inputs' rules. The smoke-test action is `smokeTest` with its own report;
 * the one-step deploy runs it as a stage with a section in its summary.
 */

export interface SmokeRun {
  results: FlowResult[];
  durationMs: number;
  totals: Totals;
}

/** Run every flow against `baseUrl`; every header value and every variable a check reads goes to `secrets` first. */
export async function smokeTest(
  flows: readonly FlowSpec[],
  values: SmokeValues,
  baseUrl: string,
  secrets: Redactor,
): Promise<SmokeRun> {
  for (const value of Object.values(values.headers)) secrets.add(value);
  const steps = flows.reduce((n, f) => n + f.steps.length, 0);
  info(
    `Running ${flows.length} flow(s), ${steps} step(s) against ${baseUrl}` +
      ` (concurrency ${values.concurrency}, timeout ${formatDuration(values.timeout)} per request, retries ${values.retries})`,
  );
  const started = performance.now();
  const results = await runFlows(flows, smokeOptions(values, baseUrl, secrets, info));
  return { results, durationMs: performance.now() - started, totals: totals(results) };
}

/**
 * The smoke stage of the one-step deploy, whose inputs carry `prefix`, or
 * none when no check is set. The checks are read here, before anything
 * changes: a mistake in them stops the deploy up front.
 */
export function smokeStage(
  values: SmokeValues,
  workspace: string,
  baseUrl: string | undefined,
  prefix: string,
): SmokeStage | undefined {
  if (!hasSmokeChecks(values)) return undefined;
  try {
    // The inputs' checks require environment-url with smoke checks, unless the deploy command may report it.
    return new SmokeStage(smokeFlows(values, workspace, prefix), values, baseUrl);
  } catch (error) {
    throw error instanceof UserError ? new UserError(`Smoke checks: ${error.message}`) : error;
  }
}

/** The smoke test as a stage; `section` is its part of the job summary once it ran. */
export class SmokeStage {
  section?: string;
  private readonly secrets = new Redactor();

  constructor(
    private readonly flows: readonly FlowSpec[],
    private readonly values: SmokeValues,
    private readonly baseUrl: string | undefined,
  ) {}

  /** `baseUrl`: the environment URL the deploy learned ($DEPLOY_OUTPUT), over the one given. */
  async run(baseUrl = this.baseUrl): Promise<StageOutcome> {
    if (!baseUrl)
      return {
        ok: false,
        detail: 'no base URL: set environment-url, or have deploy-command write url=<value> to $DEPLOY_OUTPUT',
      };
    const { results, durationMs, totals: t } = await smokeTest(this.flows, this.values, baseUrl, this.secrets);
    this.section = [
      '### Smoke test',
      this.secrets.redact(smokeSummary(baseUrl, results, durationMs)).replace(/^### /, '#### '),
    ].join('\n\n');
    if (t.failed === 0)
      return {
        ok: true,
        detail: `${t.steps} step${t.steps === 1 ? '' : 's'} passed in ${t.flows} flow${t.flows === 1 ? '' : 's'}`,
      };
    const first = results.flatMap((f) =>
      f.steps.filter((s) => !s.ok && !s.skipped).map((s) => `${f.flow} / ${s.step}: ${s.problems.join('; ')}`),
    )[0];
    return { ok: false, detail: this.secrets.redact(`${t.failed} of ${t.steps} steps failed (first: ${first})`) };
  }
}
