/** Keys, clocks and link surgery shared by the signed-link suites. */
import { signedLinks, type SignedLinksOptions } from '../../src/signedLinks/signedLinks.js';

export const SECRET = 'q6V0mWJ7rN2xT9cK4bZ8hE1sY5uA3pLd';
export const OLD_SECRET = 'Hc3Lr8Wq1Nz6Tv0Ks5Bx9Pm2Ja7Fd4Ye';
export const EDGE_SECRET = 'eDg3-s3cr3t_Fz8Qw2Lm6Rt0Vy4Nb9Xk';
/** 2026-01-01T00:00:00Z: a fixed "now", so that tests never depend on the clock. */
export const NOW = Date.UTC(2026, 0, 1);

/** A signer whose clock is `clock.now` (milliseconds), which a test may move. */
export function signer(options: Partial<SignedLinksOptions> = {}, clock = { now: NOW }) {
  return signedLinks({ keys: [{ id: 'current', secret: SECRET }], now: () => clock.now, ...options });
}

/** The link with parameter `name` set to `value` (or removed when undefined), everything else as it was. */
export function withParam(link: string, name: string, value: string | undefined): string {
  const [path, query = ''] = link.split('?');
  const pairs = query.split('&').filter((pair) => !pair.startsWith(`${name}=`));
  if (value !== undefined) pairs.push(`${name}=${encodeURIComponent(value)}`);
  return `${path}?${pairs.join('&')}`;
}

/** The value of a parameter of a link, decoded. */
export function param(link: string, name: string): string | null {
  return new URLSearchParams(link.split('?')[1]).get(name);
}
