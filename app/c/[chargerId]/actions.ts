'use server';

import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { SESSION_COOKIE, sessionCookieOptions } from '@/app/_lib/session-cookie';
import { CLIENT_ADDRESS_HEADER } from '@/lib/runtime/client-address';
import { getRuntime } from '@/lib/runtime/registry';
import { checkoutFormSchema, type CheckoutFormState } from './schema';

/** "Pay with Vipps": create the reservation and send the browser to the wallet. */
export async function startCheckoutAction(_previous: CheckoutFormState, formData: FormData): Promise<CheckoutFormState> {
  const parsed = checkoutFormSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { status: 'invalid', message: parsed.error.issues[0]?.message ?? 'Invalid form.' };

  const runtime = getRuntime();
  const clientKey = (await headers()).get(CLIENT_ADDRESS_HEADER) ?? undefined;
  const result = await runtime.charging.startCheckout({ ...parsed.data, clientKey });
  if (!result.ok) return { status: 'failed', message: result.message };

  (await cookies()).set(SESSION_COOKIE, result.token, sessionCookieOptions(runtime.config.publicBaseUrl));
  redirect(result.redirectUrl);
}
