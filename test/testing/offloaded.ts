import type { Rule } from '../../src/rules.js';
import { sendFile } from '../../src/sendFile.js';
import { xSendfile } from '../../src/xSendfile.js';
import { appWith } from '../support/app.js';

/** An app whose download of `/srv/media/<name>` is offloaded by `rule`, as the real middleware answers it. */
export function offloadedApp(rule: Rule, name: string) {
  const file = { name, path: `/srv/media/${name}`, stat: async () => ({}), open: async () => { throw new Error('an offloaded file is never opened'); } };
  return appWith(xSendfile({ sourceDir: '/srv/media', ...rule }), (ctx) => sendFile(ctx, file));
}
