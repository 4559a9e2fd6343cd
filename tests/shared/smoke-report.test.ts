import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { mapConcurrent } from '../../shared/pool.js';
import { Redactor } from '../../shared/redact.js';
import { junitReport } from '../../shared/smoke/junit.js';
import { joinUrl } from '../../shared/smoke/step.js';

describe('junitReport', () => {
  it('stays valid XML whatever the names and bodies contain', () => {
    const xml = junitReport([
      {
        flow: 'a & <b> "c" \u0001',
        ok: false,
        ms: 12,
        steps: [
          {
            step: "it's ]]> here",
            target: 'GET /',
            ok: false,
            skipped: false,
            status: 500,
            ms: 3,
            attempts: 1,
            problems: ['status: expected 2xx, got 500'],
            response: 'body "\u0000<html>"',
          },
        ],
      },
    ]);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('name="a &amp; &lt;b&gt; &quot;c&quot; \uFFFD"');
    expect(xml).toContain('tests="1" failures="1" errors="0" skipped="0"');
  });
});

describe('Redactor', () => {
  it('redacts known secrets, longest first, but not values too short to redact safely', () => {
    const r = new Redactor();
    r.add('abc');
    r.add('abcdef');
    r.add('7');
    expect(r.redact('x abcdef y abc z 7')).toBe('x *** y *** z 7');
  });
});

describe('mapConcurrent', () => {
  it('never has more than the limit in flight and keeps the order of results', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapConcurrent([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, n * 3));
      active--;
      return n * 2;
    });
    expect(peak).toBe(3);
    expect(out).toEqual([10, 2, 8, 4, 6, 0, 12]);
  });
});

describe('joinUrl', () => {
  it('keeps the path prefix of base-url', () => {
    expect(joinUrl('https://shop.example/app/', '/api/health')).toBe('https://shop.example/app/api/health');
    expect(joinUrl('https://shop.example', '/')).toBe('https://shop.example/');
  });
});
