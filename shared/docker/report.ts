import { formatDuration } from '../duration.js';
import { details, fence, table } from '../summary.js';
import type { Builder } from './builder.js';
import type { BuildOutcome, BuildSpec } from './spec.js';

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

/** What was built and pushed, as the `metadata` output and the summary describe it. */
export function imageMetadata(spec: BuildSpec, builder: Builder, outcome: BuildOutcome): ImageMetadata {
  return {
    image: spec.image,
    tags: spec.tags,
    labels: spec.labels,
    digest: outcome.digest,
    imageRef: outcome.digest ? `${spec.image}@${outcome.digest}` : undefined,
    imageId: outcome.imageId,
    pushed: spec.push,
    builder: builder.kind,
    size: outcome.size,
    buildMs: Math.round(outcome.buildMs),
    pushMs: Math.round(outcome.pushMs),
  };
}

/** The step's outputs, one per name in action.yml. */
export function imageOutputs(m: ImageMetadata): Record<string, string> {
  return {
    digest: m.digest ?? '',
    'image-ref': m.imageRef ?? '',
    imageid: m.imageId,
    tags: m.tags.join('\n'),
    labels: JSON.stringify(m.labels),
    metadata: JSON.stringify(m),
  };
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
  const tags = table(
    ['Tags'],
    m.tags.map((t) => [`\`${t}\``]),
  );
  const labels = details(
    `Labels (${Object.keys(m.labels).length})`,
    fence(
      Object.entries(m.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    ),
  );
  return [`### ${m.pushed ? '📦 Pushed' : '🔨 Built'} ${m.image}`, table(['', ''], rows), tags, labels].join('\n\n');
}
