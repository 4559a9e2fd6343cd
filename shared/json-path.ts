/**
 * Paths into parsed JSON as users write them: `checks.database`,
 * `items[0].id`, `orders[-1].status`, `meta["content-type"]`.
 */
export function parsePath(path: string): (string | number)[] | undefined {
  const parts: (string | number)[] = [];
  const re = /(?:^|\.)([^.[\]"]+)|\[(-?\d+)\]|\["((?:[^"\\]|\\.)*)"\]/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = re.exec(path))) {
    if (match[1] !== undefined) parts.push(match[1]);
    else if (match[2] !== undefined) parts.push(Number(match[2]));
    else parts.push(JSON.parse(`"${match[3]}"`) as string);
    consumed = re.lastIndex;
  }
  return consumed === path.length && parts.length > 0 ? parts : undefined;
}

export const MISSING: unique symbol = Symbol('missing');

export function getPath(value: unknown, path: string): unknown {
  const parts = parsePath(path);
  if (!parts) return MISSING;
  let current: unknown = value;
  for (const part of parts) {
    if (current === null || typeof current !== 'object') return MISSING;
    if (typeof part === 'number') {
      if (!Array.isArray(current)) return MISSING;
      const index = part < 0 ? current.length + part : part;
      if (index < 0 || index >= current.length) return MISSING;
      current = current[index];
    } else {
      if (!Object.prototype.hasOwnProperty.call(current, part)) return MISSING;
      current = (current as Record<string, unknown>)[part];
    }
  }
  return current;
}
