/**
 * Issue 6, promise 6: every option that can never work is refused when the
 * app starts, by an ImproperlyConfiguredError whose message says what to
 * write instead, rather than by a failure on each request.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSystemStorage, ImproperlyConfiguredError, MemoryStorage, download, httpDownload, pathDownload, storageDownload, xSendfile, type Rule } from '../../src/index.js';
import { proxyConfig } from '../../src/proxyConfig.js';
import { S3Storage } from '../../storages/s3.js';

const storage = new MemoryStorage();
const nginx = { sourceDir: '/srv/media', destinationUrl: '/protected/' };
const apache = { sourceDir: '/srv/media', destinationDir: '/srv/media/' };
const appUrl = 'http://127.0.0.1:3000';
// A storage's folder must exist when it is built: these do on any machine, or never.
const folder = tmpdir();
const missing = join(tmpdir(), `kdv-missing-${randomUUID()}`);
const notAFolder = fileURLToPath(import.meta.url);

/** [what is wrong, how it is built, what the message must tell the developer to do]. */
const TABLE: [string, () => unknown, RegExp][] = [
  // Storages.
  ['FileSystemStorage without a location', () => new FileSystemStorage({} as never), /needs a location: new FileSystemStorage\(\{ location: "\/srv\/media" \}\)/],
  ['FileSystemStorage with an empty location', () => new FileSystemStorage({ location: '' }), /needs a location/],
  ['FileSystemStorage with a relative location', () => new FileSystemStorage({ location: 'media' }), /location must be an absolute path, e\.g\. path\.resolve\('media'\); got "media"/],
  ['FileSystemStorage with a location that does not exist', () => new FileSystemStorage({ location: missing }), /does not exist: create it first, e\.g\. mkdirSync\(location, \{ recursive: true \}\)/],
  ['FileSystemStorage with a location that is a file', () => new FileSystemStorage({ location: notAFolder }), /is not a folder: give the folder that holds the files/],
  ['FileSystemStorage with followSymlinksOutside as a string', () => new FileSystemStorage({ location: folder, followSymlinksOutside: 'false' as never }), /followSymlinksOutside must be true or false; got "false"/],
  ['FileSystemStorage with a baseUrl that is not a string', () => new FileSystemStorage({ location: folder, baseUrl: 42 as never }), /baseUrl must be a URL prefix such as "\/media\/"/],
  ['MemoryStorage with a baseUrl that is not a string', () => new MemoryStorage({ baseUrl: {} as never }), /baseUrl must be a URL prefix such as/],
  ['S3Storage without a bucket', () => new S3Storage({} as never), /needs a bucket: new S3Storage\(\{ bucket: "my-bucket"/],
  ['S3Storage with both client and clientConfig', () => new S3Storage({ bucket: 'b', client: {} as never, clientConfig: {} }), /either a client or a clientConfig, not both/],
  // Routes.
  ['download without a resolver', () => download(undefined as never), /needs a function \(ctx\) => DownloadFile/],
  ['storageDownload without a storage', () => storageDownload({} as never), /needs a storage: storageDownload\(\{ storage: new FileSystemStorage/],
  ['storageDownload with something that is not a storage', () => storageDownload({ storage: { bucket: 'b' } as never }), /needs a storage/],
  ['pathDownload without a root', () => pathDownload({} as never), /needs a root folder: pathDownload\(\{ root: "\/srv\/files", path \}\)/],
  ['pathDownload with a root that does not exist', () => pathDownload({ root: missing }), /pathDownload root \S+ does not exist: create it first/],
  ['pathDownload with a relative root', () => pathDownload({ root: 'exports' }), /pathDownload root must be an absolute path, e.g. path.resolve\('media'\)/],
  ['pathDownload with a fixed path outside the root', () => pathDownload({ root: folder, path: '/etc/passwd' }), /outside the root \S+: give a path inside it, or a root that contains it/],
  ['httpDownload without a url', () => httpDownload({} as never), /needs an absolute url: httpDownload\(\{ url: "https:/],
  ['httpDownload with a relative url', () => httpDownload({ url: 'files/report.pdf' }), /needs an absolute url/],
  ['httpDownload with a timeout that is not a positive number', () => httpDownload({ url: 'http://127.0.0.1/', timeout: Number.NaN }), /timeout option is in milliseconds, a number above 0, e.g. timeout: 30_000/],
  ['a cacheControl with CR/LF', () => storageDownload({ storage, cacheControl: 'no-store\r\nSet-Cookie: a=b' }), /cacheControl option must be a header value without control characters, e.g. 'private, max-age=3600'/],
  ['a contentType with CR/LF', () => storageDownload({ storage, contentType: 'text/html\r\nX: y' }), /contentType option must be a header value .* e.g. 'application\/pdf'/],
  ['a charset that is not a string', () => storageDownload({ storage, charset: 8 as never }), /charset option must be a header value .* e.g. 'utf-8'/],
  ['attachment given as a string', () => storageDownload({ storage, attachment: 'inline' as never }), /attachment option must be true \(download\) or false \(inline\)/],
  ['a basename that is neither a name nor a function', () => storageDownload({ storage, basename: 7 as never }), /basename option must be a file name, or a function/],
  // xSendfile rules.
  ['xSendfile without rules', () => xSendfile([]), /needs at least one rule, e\.g\. xSendfile\(\{ sourceDir/],
  ['a rule without a backend', () => xSendfile(nginx), /no backend: set backend on the rule or pass xSendfile\(rules, \{ backend \}\)/],
  ['an unknown backend', () => xSendfile(nginx, { backend: 'iis' as never }), /unknown backend "iis"; use one of 'nginx'/],
  ["django-downloadview's snake_case option", () => xSendfile({ ...nginx, source_dir: '/srv' } as Rule, { backend: 'nginx' }), /unknown option "source_dir"; did you mean sourceDir\?/],
  ['a rule with both sourceDir and sourceUrl', () => xSendfile({ ...nginx, sourceUrl: '/media/' }, { backend: 'nginx' }), /both sourceDir and sourceUrl: keep one, or write two rules/],
  ['a rule that matches nothing', () => xSendfile({ destinationUrl: '/protected/' }, { backend: 'nginx' }), /matches nothing: give sourceDir .* or sourceUrl/],
  ['a relative sourceDir', () => xSendfile({ ...nginx, sourceDir: 'media' }, { backend: 'nginx' }), /sourceDir must be an absolute folder .* e\.g\. path\.resolve\('media'\)/],
  ['a sourceUrl with a query', () => xSendfile({ sourceUrl: '/media/?x', destinationUrl: '/p/' }, { backend: 'nginx' }), /sourceUrl must be the URL prefix of the files .* without query/],
  ['nginx given a destinationDir', () => xSendfile(apache, { backend: 'nginx' }), /replace destinationDir with destinationUrl, e\.g\. destinationUrl: '\/protected\/'/],
  ['apache given a destinationUrl', () => xSendfile(nginx, { backend: 'apache' }), /replace destinationUrl with destinationDir/],
  ['a destinationUrl that climbs', () => xSendfile({ ...nginx, destinationUrl: '/protected/../etc/' }, { backend: 'nginx' }), /destinationUrl must be a URI path .* without '\.\.'/],
  ['expires for caddy', () => xSendfile({ ...nginx, expires: 60 }, { backend: 'caddy' }), /expires is understood by nginx only, not caddy: remove it/],
  ['a negative expires', () => xSendfile({ ...nginx, expires: -1 }, { backend: 'nginx' }), /expires must be whole seconds \(0 or more\)/],
  ['a fractional limitRate', () => xSendfile({ ...nginx, limitRate: 1.5 }, { backend: 'nginx' }), /limitRate must be a whole number of bytes per second/],
  ["buffering as 'yes'", () => xSendfile({ ...nginx, buffering: 'yes' as never }, { backend: 'nginx' }), /buffering must be true or false/],
  ['percentEncode for nginx', () => xSendfile({ ...nginx, percentEncode: true }, { backend: 'nginx' }), /percentEncode is understood by apache only/],
  // Proxy configurations generated from the rules.
  ['proxyConfig with an appUrl that is not an origin', () => proxyConfig({ ...nginx, backend: 'nginx' }, 'nginx', { appUrl: 'localhost:3000' }), /appUrl must be the http:\/\/ origin of the Koa app, e\.g\. "http:\/\/127\.0\.0\.1:3000"/],
  ['proxyConfig with a relative Unix socket', () => proxyConfig({ ...nginx, backend: 'nginx' }, 'nginx', { appUrl: 'unix:run/app.sock' }), /appUrl "unix:…" must be followed by the absolute path of the app's Unix socket .* e\.g\. "unix:\/run\/koa-app\.sock"/],
  ['proxyConfig with a Unix socket path longer than sun_path', () => proxyConfig({ ...nginx, backend: 'nginx' }, 'nginx', { appUrl: `unix:/run/${'a'.repeat(100)}.sock` }), /socket path is 110 bytes long: a Unix socket path has at most 107, so no proxy could connect to it/],
  ['proxyConfig with a bad listen', () => proxyConfig({ ...nginx, backend: 'nginx' }, 'nginx', { appUrl, listen: '99999' }), /listen must be "PORT" or "HOST:PORT"/],
  ['proxyConfig with no rule for that proxy', () => proxyConfig({ ...apache, backend: 'apache' }, 'nginx', { appUrl }), /No rule is for nginx: give at least one rule without a backend, or with backend "nginx"/],
];

describe('Hardening: configuration', function () {
  for (const [wrong, build, remedy] of TABLE) {
    it(`refuses ${wrong} at start-up, saying what to do`, function () {
      expect(build).to.throw(ImproperlyConfiguredError, remedy);
    });
  }

  it('accepts the valid counterpart of each storage and route option (the table refuses only what is wrong)', function () {
    expect(() => new FileSystemStorage({ location: folder, followSymlinksOutside: false, baseUrl: '/media/' })).to.not.throw();
    expect(() => new MemoryStorage({ baseUrl: 'https://cdn.example/media/' })).to.not.throw();
    expect(() => storageDownload({ storage, cacheControl: 'private, max-age=3600', contentType: 'text/plain', charset: false, attachment: false, basename: (_ctx, file) => file.name })).to.not.throw();
    expect(() => httpDownload({ url: 'http://127.0.0.1/x', timeout: 1000 })).to.not.throw();
    expect(() => httpDownload({ url: (ctx) => `http://127.0.0.1${ctx.path}` })).to.not.throw();
    expect(() => xSendfile({ ...nginx, expires: 60, limitRate: 1024, buffering: false }, { backend: 'nginx' })).to.not.throw();
  });
});
