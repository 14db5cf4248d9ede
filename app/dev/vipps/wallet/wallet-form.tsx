'use client';

import { useActionState } from 'react';
import { decideAction, type WalletState } from './actions';

export function WalletForm({ token }: { token: string }) {
  const [state, formAction, pending] = useActionState<WalletState, FormData>(decideAction, { status: 'idle' });
  return (
    <form action={formAction} className="space-y-3">
      <input type="hidden" name="token" value={token} />
      {state.status === 'failed' && (
        <p className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">
          {state.message}
        </p>
      )}
      <button
        type="submit"
        name="decision"
        value="approve"
        disabled={pending}
        className="w-full rounded-xl bg-vipps px-4 py-4 text-lg font-bold text-white disabled:opacity-60"
      >
        Approve
      </button>
      <button
        type="submit"
        name="decision"
        value="reject"
        disabled={pending}
        className="w-full rounded-xl border border-slate-300 px-4 py-3 font-semibold disabled:opacity-60"
      >
        Reject
      </button>
    </form>
  );
}
