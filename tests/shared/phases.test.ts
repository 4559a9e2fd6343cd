import { describe, expect, it } from 'vitest';
import { PhaseTimes } from '../../shared/providers/docker/phases.js';

describe('PhaseTimes (Docker deploy phases)', () => {
  it('sums each phase over hosts and lists the phases that ran, in deploy order', async () => {
    const phases = new PhaseTimes();
    phases.add('switch', 300);
    phases.add('start', 1200);
    phases.add('start', 400);
    expect(await phases.time('lock', () => Promise.resolve('taken'))).toBe('taken');
    expect(phases.line()).toMatch(/^lock \d+ms, start 1\.6s, switch 300ms$/);
  });

  it('counts a phase that failed, and lets its error through', async () => {
    const phases = new PhaseTimes();
    await expect(phases.time('pull', () => Promise.reject(new Error('no such image')))).rejects.toThrow(
      'no such image',
    );
    expect(phases.line()).toMatch(/^pull \d+ms$/);
  });
});
