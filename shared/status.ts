/** Expected HTTP statuses as users write them: `200`, `200-299,304`, `2xx`. */
export interface StatusSet {
  matches(status: number): boolean;
  text: string;
}

export function parseStatusSet(text: string): StatusSet | undefined {
  const ranges: [number, number][] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    let match: RegExpExecArray | null;
    if ((match = /^([1-5])xx$/i.exec(part))) ranges.push([Number(match[1]) * 100, Number(match[1]) * 100 + 99]);
    else if ((match = /^(\d{3})\s*-\s*(\d{3})$/.exec(part))) ranges.push([Number(match[1]), Number(match[2])]);
    else if (/^\d{3}$/.test(part)) ranges.push([Number(part), Number(part)]);
    else return undefined;
    const [from, to] = ranges.at(-1)!;
    if (from < 100 || to > 599 || from > to) return undefined;
  }
  if (ranges.length === 0) return undefined;
  return {
    matches: (status) => ranges.some(([from, to]) => status >= from && status <= to),
    text: text
      .split(',')
      .map((p) => p.trim())
      .join(','),
  };
}
