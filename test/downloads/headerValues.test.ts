import { expect } from 'chai';
import request from 'supertest';
import { ImproperlyConfiguredError, VirtualFile, download, virtualDownload } from '../../src/index.js';
import { downloadHeaders, entityTag } from '../../src/headers.js';
import { appWith } from '../support/app.js';

describe('Header values of a download', function () {
  it('refuses at start-up a header option that is not a string, even one that prints as ASCII', function () {
    expect(() => download(() => undefined, { cacheControl: 3600 as never })).to.throw(ImproperlyConfiguredError, /cacheControl option must be a header value/);
    expect(() => new VirtualFile({ name: 'a.csv', content: 'x', contentType: 42 as never })).to.throw(ImproperlyConfiguredError, /contentType must be a header value/);
  });

  it('adds no charset to a type that has one, with or without a space after the semicolon', async function () {
    const file = new VirtualFile({ name: 'a.txt', content: 'x' });
    const res = await request(appWith(virtualDownload(() => file, { contentType: 'text/plain;charset=latin1' })).callback()).get('/');
    expect(res.headers['content-type']).to.equal('text/plain;charset=latin1');
  });

  it('has no ETag when the size is unknown, even with a modification time', function () {
    expect(entityTag({ modifiedTime: new Date(0) })).to.equal(undefined);
    expect(entityTag({ size: 3 })).to.equal(undefined);
    expect(entityTag({ size: 255, modifiedTime: new Date(4096) })).to.equal('W/"ff-1000"');
  });

  it('announces Accept-Ranges for a file of known size unless told not to', function () {
    expect(downloadHeaders('a.bin', { size: 1 }, {})['Accept-Ranges']).to.equal('bytes');
    expect(downloadHeaders('a.bin', { size: 1 }, {}, false)).to.not.have.property('Accept-Ranges');
    expect(downloadHeaders('a.bin', {}, {})).to.not.have.property('Accept-Ranges');
  });
});
