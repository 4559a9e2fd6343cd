import type { FlowResult } from './flows.js';

/** Text safe inside XML 1.0 attributes and elements: escaped, and without characters XML cannot carry. */
function xml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- XML 1.0's allowed characters, tab, LF and CR among them
      .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

const seconds = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(3);

/**
 * A JUnit XML report: one testsuite per flow, one testcase per step. A broken
 * expectation or a missing answer is a <failure>; steps after a failure in
 * their flow are <skipped>.
 */
export function junitReport(flows: readonly FlowResult[], name = 'smoke-test'): string {
  const count = (pick: (s: FlowResult['steps'][number]) => boolean, f: readonly FlowResult[] = flows) =>
    f.reduce((n, flow) => n + flow.steps.filter(pick).length, 0);
  const failed = (s: FlowResult['steps'][number]) => !s.ok && !s.skipped;
  const total = count(() => true);
  const time = flows.reduce((max, f) => Math.max(max, f.ms), 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(name)}" tests="${total}" failures="${count(failed)}" errors="0" skipped="${count((s) => s.skipped)}" time="${seconds(time)}">`,
  ];
  for (const flow of flows) {
    lines.push(
      `  <testsuite name="${xml(flow.flow)}" tests="${flow.steps.length}" failures="${count(failed, [flow])}" errors="0" skipped="${count((s) => s.skipped, [flow])}" time="${seconds(flow.ms)}">`,
    );
    for (const step of flow.steps) {
      const open = `    <testcase classname="${xml(flow.flow)}" name="${xml(step.step)}" time="${seconds(step.ms)}"`;
      if (step.ok) lines.push(`${open}/>`);
      else if (step.skipped)
        lines.push(`${open}>`, `      <skipped message="${xml(step.problems.join('; '))}"/>`, '    </testcase>');
      else {
        const detail = [
          `${step.target}`,
          ...step.problems,
          ...(step.response ? [`response: ${step.response}`] : []),
        ].join('\n');
        lines.push(
          `${open}>`,
          `      <failure message="${xml(step.problems.join('; '))}" type="SmokeCheckFailed">${xml(detail)}</failure>`,
          '    </testcase>',
        );
      }
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
