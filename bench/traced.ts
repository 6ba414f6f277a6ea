/**
 * Issue 17's overhead rows: the library's server with the OpenTelemetry
 * example subscribed (contenders/libraryTraced.ts) joins the streaming group
 * and the nginx offload group, beside the same server with no subscriber.
 * Measured in the same rounds, the two differ only by the subscriber.
 */
import { MiB } from './fixtures.js';
import type { Plan } from './plan.js';

export const TRACED = {
  id: 'traced',
  script: 'contenders/libraryTraced.ts',
  label: '+ OpenTelemetry subscriber',
  /** A subscriber's cost is per download: measured on small files and 1 MiB, where it could show. */
  belowLength: 100 * MiB,
} as const;

/** Whether the offload group of `proxy` measures the traced server too: nginx's, except in the smoke run (kept short). */
export function tracedBehind(plan: Plan, proxy: string): boolean {
  return proxy === 'nginx' && plan.name !== 'smoke';
}
