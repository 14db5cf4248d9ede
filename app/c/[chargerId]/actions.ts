'use server';

import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { getRuntime } from '@/lib/runtime/registry';
import { SESSION_COOKIE, SESSION_COOKIE_MAX_AGE_SECONDS } from '@/app/_lib/session-cookie';
import { checkoutFormSchema, type CheckoutFormState } from './schema';

/** "Pay with Vipps": create the reservation and send the browser to the wallet. */
export async function startCheckoutAction(_previous: CheckoutFormState, formData: FormData): Promise<CheckoutFormState> {
  const parsed = checkoutFormSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { status: 'invalid', message: parsed.error.issues[0]?.message ?? 'Invalid form.' };

  const runtime = getRuntime();
  const result = await runtime.charging.startCheckout(parsed.data);
  if (!result.ok) return { status: 'failed', message: result.message };

  (await cookies()).set(SESSION_COOKIE, result.token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: runtime.config.publicBaseUrl.startsWith('https://'),
    path: '/',
    maxAge: SESSION_COOKIE_MAX_AGE_SECONDS,
  });
  redirect(result.redirectUrl);
}
