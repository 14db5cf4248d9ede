import { randomUUID } from 'node:crypto';
import { NextResponse, type NextRequest } from 'next/server';
import { z } from 'zod';
import { jsonError } from '@/app/_lib/http';
import { SESSION_COOKIE, sessionCookieOptions } from '@/app/_lib/session-cookie';
import type { CheckoutFailure } from '@/lib/charging/checkout';
import { sessionUrl } from '@/lib/charging/checkout';
import { CLIENT_ADDRESS_HEADER } from '@/lib/runtime/client-address';
import { getRuntime } from '@/lib/runtime/registry';

const body = z.object({
  /** Minor units: 35000 = 350.00 NOK. */
  amount: z.number().int().positive(),
  connectorId: z.number().int().min(1).max(99).default(1),
  /** Optional idempotency key: the same checkoutId returns the same session and payment. */
  checkoutId: z.uuid().optional(),
});

const STATUS: Record<CheckoutFailure, number> = {
  'unknown-charger': 404,
  'unknown-connector': 404,
  'charger-offline': 409,
  'charger-unavailable': 409,
  occupied: 409,
  'invalid-amount': 422,
  'rate-limited': 429,
  'payment-failed': 502,
};

// POST /api/chargers/{chargerId}/sessions – start a paid session without the page (kiosks, scripts):
// answers with the wallet redirectUrl and the session link; same contract as the "Pay" button.
export async function POST(request: NextRequest, { params }: { params: Promise<{ chargerId: string }> }) {
  const { chargerId } = await params;
  let json: unknown;
  try {
    json = await request.json();
  } catch {
    return jsonError(400, 'The body must be JSON: {"amount": 35000}.');
  }
  const parsed = body.safeParse(json);
  if (!parsed.success) return jsonError(400, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));

  const runtime = getRuntime();
  const result = await runtime.charging.startCheckout({
    checkoutId: parsed.data.checkoutId ?? randomUUID(),
    chargerId,
    connectorId: parsed.data.connectorId,
    amount: parsed.data.amount,
    clientKey: request.headers.get(CLIENT_ADDRESS_HEADER) ?? undefined,
  });
  if (!result.ok) return jsonError(STATUS[result.failure], result.message);

  const response = NextResponse.json(
    {
      sessionId: result.sessionId,
      sessionUrl: sessionUrl(runtime.config.publicBaseUrl, result.token),
      token: result.token,
      redirectUrl: result.redirectUrl,
    },
    { status: 201, headers: { 'cache-control': 'no-store' } },
  );
  response.cookies.set(SESSION_COOKIE, result.token, sessionCookieOptions(runtime.config.publicBaseUrl));
  return response;
}
