import { tail } from '../exec.js';
import { stripAnsi } from '../ansi.js';

/** The step a failed build stopped at: classic `Step 3/5 : RUN …` or BuildKit `#7 [3/5] RUN …`. */
export function failingStep(output: string): string | undefined {
  const lines = output.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    const classic = /^Step \d+\/\d+ : (.+)$/.exec(line);
    if (classic) return line;
    const kit = /^(?:#\d+ )?\[(?:[^\]]*\s)?\d+\/\d+\] (.+?):?$/.exec(line);
    if (kit) return line.replace(/^#\d+ /, '').replace(/:$/, '');
  }
  return undefined;
}

/** Colour codes, and Docker's deprecation banner for the legacy builder, say nothing about this build. */
const noise = (output: string) =>
  stripAnsi(output).replace(
    /DEPRECATED: The legacy builder[\s\S]*?(docs\.docker\.com\/go\/buildx\/?|DOCKER_BUILDKIT=0\s+environment-variable\.)\s*/g,
    '',
  );

export function buildFailureMessage(output: string, code: number): string {
  const cleaned = noise(output);
  const step = failingStep(cleaned);
  return `Build failed${step ? ` at ${step}` : ''} (docker exited with code ${code}). Last lines:\n${tail(cleaned, 15)}`;
}
