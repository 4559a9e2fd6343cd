import { formatDuration } from '../duration.js';
import { mapConcurrent } from '../pool.js';
import type { FlowSpec } from './spec.js';
import { runStep, type StepResult } from './step.js';

export interface FlowResult {
  flow: string;
  ok: boolean;
  ms: number;
  steps: StepResult[];
}

export interface SmokeOptions {
  baseUrl: string;
  headers: Record<string, string>;
  timeoutMs: number;
  retries: number;
  /** Flows in flight at once; steps of one flow always run in order. */
  concurrency: number;
  env: NodeJS.ProcessEnv;
  /** Called with every environment value a check uses, before the request goes out. */
  onSecret: (value: string) => void;
  /** One line per step and per retry, for the log. */
  log: (line: string) => void;
}

/**
 * Run every flow to its end: a failed step skips the rest of its own flow
 * (they depend on it) but never stops another flow.
 */
export async function runFlows(flows: readonly FlowSpec[], options: SmokeOptions): Promise<FlowResult[]> {
  return mapConcurrent(flows, options.concurrency, async (flow) => {
    const started = performance.now();
    const vars = { captures: new Map<string, unknown>(), env: options.env, onSecret: options.onSecret };
    const steps: StepResult[] = [];
    for (const [i, spec] of flow.steps.entries()) {
      if (steps.some((s) => !s.ok)) {
        steps.push({
          step: spec.name,
          target: `${spec.request.method} ${spec.request.path ?? spec.request.url}`,
          ok: false,
          skipped: true,
          attempts: 0,
          problems: ['skipped: an earlier step of this flow failed'],
        });
        continue;
      }
      const label = `[${flow.name}] ${spec.name} (step ${i + 1}/${flow.steps.length})`;
      const result = await runStep(spec, {
        ...options,
        vars,
        onRetry: ({ attempt, of, delayMs, reason }) =>
          options.log(`  ↻ ${label}: attempt ${attempt}/${of} got ${reason}; retrying in ${formatDuration(delayMs)}`),
      });
      steps.push(result);
      const timing = result.ms === undefined ? '' : ` in ${formatDuration(result.ms)}`;
      options.log(result.ok ? `✓ ${label}: ${result.status}${timing}` : `✗ ${label}: ${result.problems.join('; ')}`);
    }
    return { flow: flow.name, ok: steps.every((s) => s.ok), ms: performance.now() - started, steps };
  });
}
