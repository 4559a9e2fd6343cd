import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntaxProblem } from '../../shared/providers/command/script.js';

describe('syntaxProblem (bash -n: parses, runs nothing)', () => {
  it('accepts a script that parses', () => {
    expect(syntaxProblem('echo "deploying $DEPLOY_IMAGE"\nif [ -n "$X" ]; then\n  flyctl deploy\nfi')).toBeUndefined();
  });

  it('names the line as the user wrote it, without our strict-mode line', () => {
    expect(syntaxProblem('echo one\nif then\nfi')).toMatch(/^line 2: syntax error near unexpected token `then'/);
  });

  it('runs none of the script, not even the part before the mistake', () => {
    const dir = mkdtempSync(join(tmpdir(), 'syntax-'));
    const marker = join(dir, 'ran');
    expect(syntaxProblem(`touch ${marker}\necho $(touch ${marker}2)\nfor x in; do`)).toMatch(/syntax error/);
    expect(existsSync(marker) || existsSync(`${marker}2`)).toBe(false);
  });
});
