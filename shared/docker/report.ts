import { formatDuration } from '../duration.js';
import { details, fence, table } from '../summary.js';

export interface ImageMetadata {
  image: string;
  tags: string[];
  labels: Record<string, string>;
  digest?: string;
  imageRef?: string;
  imageId: string;
  pushed: boolean;
  builder: 'buildx' | 'classic';
  size?: number;
  buildMs: number;
  pushMs: number;
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '–';
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

/** The job summary: where the image went, its digest (what a deploy pins), size and timings, labels folded away. */
export function imageSummary(m: ImageMetadata): string {
  const rows: [string, string][] = [
    ['Image', `\`${m.image}\``],
    ['Pushed', m.pushed ? 'yes' : 'no (push: false)'],
    ['Digest', m.digest ? `\`${m.digest}\`` : '–'],
    ['Pin with', m.imageRef ? `\`${m.imageRef}\`` : '–'],
    ['Image ID', m.imageId ? `\`${m.imageId}\`` : '–'],
    ['Size', formatBytes(m.size)],
    ['Build time', formatDuration(Math.round(m.buildMs))],
    ['Push time', m.pushed ? formatDuration(Math.round(m.pushMs)) : '–'],
    ['Builder', m.builder === 'buildx' ? 'docker buildx' : 'classic docker build'],
  ];
  const tags = table(['Tags'], m.tags.map((t) => [`\`${t}\``]));
  const labels = details(`Labels (${Object.keys(m.labels).length})`, fence(Object.entries(m.labels).map(([k, v]) => `${k}=${v}`).join('\n')));
  return [`### ${m.pushed ? '📦 Pushed' : '🔨 Built'} ${m.image}`, table(['', ''], rows), tags, labels].join('\n\n');
}
