import { describe, expect, it } from 'vitest';
import { contentHash, signWebhook, verifyWebhookSignature } from './webhook-signature';

// The test vector from Vipps' webhooks request-authentication guide.
const vector = {
  secret: 'A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==',
  url: 'https://webhook.site/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63',
  body: '{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}',
  date: 'Thu, 30 Mar 2023 08:38:32 GMT',
  contentHash: 'lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=',
  signature: 'agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U=',
};

const headersOf = (h: Record<string, string>) => new Headers(h);

describe('webhook signature', () => {
  it('reproduces the documented content hash and signature', () => {
    expect(contentHash(vector.body)).toBe(vector.contentHash);
    const signed = signWebhook(vector.secret, vector.url, vector.body, vector.date);
    expect(signed['x-ms-content-sha256']).toBe(vector.contentHash);
    expect(signed.authorization).toBe(
      `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${vector.signature}`,
    );
  });

  it('accepts the documented delivery', () => {
    const headers = headersOf({
      'x-ms-date': vector.date,
      'x-ms-content-sha256': vector.contentHash,
      authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${vector.signature}`,
    });
    expect(verifyWebhookSignature({ secret: vector.secret, registeredUrl: vector.url, rawBody: vector.body, headers })).toEqual({
      ok: true,
    });
  });

  it('rejects an altered body, another path, another secret and missing headers', () => {
    const signed = signWebhook(vector.secret, vector.url, vector.body, vector.date);
    const headers = headersOf({ ...signed });
    const verify = (over: Partial<{ secret: string; registeredUrl: string; rawBody: string; headers: Headers }>) =>
      verifyWebhookSignature({ secret: vector.secret, registeredUrl: vector.url, rawBody: vector.body, headers, ...over }).ok;

    expect(verify({})).toBe(true);
    expect(verify({ rawBody: vector.body.replace('hello', 'hullo') })).toBe(false);
    expect(verify({ registeredUrl: 'https://webhook.site/another-path' })).toBe(false);
    expect(verify({ registeredUrl: 'https://other.example/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63' })).toBe(false);
    // The secret is text; decoding it as base64 gives another key and another signature.
    expect(verify({ secret: Buffer.from(vector.secret, 'base64').toString('latin1') })).toBe(false);
    expect(verify({ headers: headersOf({ 'x-ms-date': vector.date, 'x-ms-content-sha256': vector.contentHash }) })).toBe(false);
    // A body swapped together with its hash still fails on the signature.
    const forgedBody = '{"reference":"x"}';
    expect(
      verify({ rawBody: forgedBody, headers: headersOf({ ...signed, 'x-ms-content-sha256': contentHash(forgedBody) }) }),
    ).toBe(false);
  });
});
