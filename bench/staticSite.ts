/**
 * Site configurations that serve a folder statically, in the shape the test
 * harness includes (it adds the process plumbing). Server defaults are kept,
 * as in the offload configurations, so that both are compared as shipped.
 */
import type { OffloadProxy } from './offloadProxies.js';

export function staticSite(proxy: OffloadProxy, dir: string, port: number): string {
  switch (proxy) {
    case 'nginx':
      return `server {\n    listen 127.0.0.1:${port};\n    root "${dir}";\n}\n`;
    case 'apache':
      return `<VirtualHost 127.0.0.1:${port}>\n    DocumentRoot "${dir}"\n    <Directory "${dir}">\n        Require all granted\n    </Directory>\n</VirtualHost>\n`;
    case 'lighttpd':
      return `server.bind := "127.0.0.1"\nserver.port := ${port}\nserver.document-root := "${dir}"\n`;
  }
}
