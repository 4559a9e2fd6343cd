import { formatDuration } from '../../duration.js';

/** The phases of a Docker deploy, in the order they run. */
export const PHASES = ['pull', 'lock', 'start', 'ready', 'switch', 'drain', 'prune'] as const;
export type Phase = (typeof PHASES)[number];

/**
 * Wall time per phase of one deploy, summed over hosts, so the log and the job
 * summary show where the deploy's time goes.
 */
export class PhaseTimes {
  private readonly ms = new Map<Phase, number>();

  async time<T>(phase: Phase, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.add(phase, performance.now() - started);
    }
  }

  add(phase: Phase, ms: number): void {
    this.ms.set(phase, (this.ms.get(phase) ?? 0) + ms);
  }

  /** "pull 12ms, lock 80ms, …": the phases that ran, in order. */
  line(): string {
    return PHASES.filter((p) => this.ms.has(p))
      .map((p) => `${p} ${formatDuration(Math.round(this.ms.get(p)!))}`)
      .join(', ');
  }
}
