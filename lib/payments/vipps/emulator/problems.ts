import { randomUUID } from 'node:crypto';

/** An HTTP answer from the emulator, stored as-is for Idempotency-Key replay. */
export interface EmulatorResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** RFC 7807 problem JSON in the ePayment flavour, with the numeric ErrorCode in extraDetails. */
export function problem(status: number, title: string, errorCode?: number, detail?: string): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'application/problem+json' },
    body: {
      type: `https://developer.vippsmobilepay.com/docs/APIs/epayment-api/api-guide/errors${errorCode ? `#${errorCode}` : ''}`,
      title,
      detail: detail ?? title,
      instance: `/emulator/${randomUUID()}`,
      status,
      traceId: randomUUID().replaceAll('-', ''),
      extraDetails: errorCode ? [{ name: 'ErrorCode', reason: String(errorCode) }] : [],
    },
  };
}

export const ok = (body: unknown, status = 200): EmulatorResponse => ({ status, body });

/** The QR API's own error flavour (QrErrorResponse): `invalidParams`, no ErrorCode. */
export function qrProblem(status: number, title: string, invalidParams: Array<{ name: string; reason: string }> = []): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'application/problem+json' },
    body: {
      type: 'https://developer.vippsmobilepay.com/docs/APIs/qr-api/',
      title,
      detail: title,
      instance: `/emulator/${randomUUID()}`,
      invalidParams,
    },
  };
}
