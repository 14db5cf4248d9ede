'use client';

import { useActionState } from 'react';
import { formatMinorUnits } from '@/lib/pricing/format';
import type { Currency } from '@/lib/pricing/tariff';
import { startCheckoutAction } from './actions';
import type { CheckoutFormState } from './schema';

interface CheckoutFormProps {
  checkoutId: string;
  chargerId: string;
  connectorId: number;
  currency: Currency;
  presets: number[];
  defaultAmount: number;
  wallet: 'Vipps' | 'MobilePay';
  disabled: boolean;
}

export function CheckoutForm(props: CheckoutFormProps) {
  const [state, formAction, pending] = useActionState<CheckoutFormState, FormData>(startCheckoutAction, { status: 'idle' });
  const brand = props.wallet === 'Vipps' ? 'bg-vipps hover:bg-vipps-dark' : 'bg-mobilepay hover:brightness-95';
  return (
    <form action={formAction} className="space-y-4">
      <input type="hidden" name="checkoutId" value={props.checkoutId} />
      <input type="hidden" name="chargerId" value={props.chargerId} />
      <input type="hidden" name="connectorId" value={props.connectorId} />
      <fieldset>
        <legend className="mb-2 text-sm font-medium text-slate-700">The most you want to pay</legend>
        <div className="grid grid-cols-2 gap-2">
          {props.presets.map((amount) => (
            <label
              key={amount}
              className="flex cursor-pointer items-center justify-center rounded-xl border border-slate-300 px-3 py-3 text-base font-semibold has-[:checked]:border-slate-900 has-[:checked]:bg-slate-900 has-[:checked]:text-white"
            >
              <input
                type="radio"
                name="amount"
                value={amount}
                defaultChecked={amount === props.defaultAmount}
                className="sr-only"
                disabled={props.disabled}
              />
              {formatMinorUnits(amount, props.currency)}
            </label>
          ))}
        </div>
        <p className="mt-2 text-xs text-slate-500">
          This amount is reserved, not charged. You pay only for what you use and the rest is released when you stop.
        </p>
      </fieldset>
      <div aria-live="polite" role="status">
        {state.status !== 'idle' && (
          <p className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="checkout-error">
            {state.message}
          </p>
        )}
      </div>
      <button
        type="submit"
        disabled={props.disabled || pending}
        className={`w-full rounded-xl px-4 py-4 text-lg font-bold text-white transition disabled:cursor-not-allowed disabled:bg-slate-300 ${brand}`}
      >
        {pending ? `Opening ${props.wallet}…` : `Pay with ${props.wallet}`}
      </button>
      <p className="text-center text-xs text-slate-500">
        By paying you accept the{' '}
        <a href="/terms" className="underline">
          terms of use
        </a>
        .
      </p>
    </form>
  );
}
