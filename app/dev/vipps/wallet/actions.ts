'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import { getRuntime } from '@/lib/runtime/registry';

const walletForm = z.object({ token: z.string().min(10).max(100), decision: z.enum(['approve', 'reject']) });

export type WalletState = { status: 'idle' } | { status: 'failed'; message: string };

/** The emulated wallet app: the user approves or rejects, then returns to the merchant. */
export async function decideAction(_previous: WalletState, formData: FormData): Promise<WalletState> {
  const emulator = getRuntime().emulator;
  if (!emulator) return { status: 'failed', message: 'The Vipps emulator is not running.' };
  const parsed = walletForm.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { status: 'failed', message: 'This payment link is not valid.' };
  const by = { landingToken: parsed.data.token };
  const result = parsed.data.decision === 'approve' ? await emulator.ledger.approve(by) : await emulator.ledger.reject(by);
  if (!result.ok) return { status: 'failed', message: result.reason };
  const returnUrl = (result.payment.request as { returnUrl?: string }).returnUrl;
  if (returnUrl) redirect(returnUrl);
  return { status: 'failed', message: 'Done. You can close this page.' };
}
