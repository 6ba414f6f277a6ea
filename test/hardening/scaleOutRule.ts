import type { Rule } from '../../src/index.js';

/** The offload rule of the scale-out apps, shared with the nginx configuration generated for them. */
export function scaleOutRule(media: string): Rule {
  return { backend: 'nginx', sourceDir: media, destinationUrl: '/_protected/media/' };
}
