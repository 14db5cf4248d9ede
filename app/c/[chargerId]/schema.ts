import { z } from 'zod';

/** The pay form, as the server action parses it. */
export const checkoutFormSchema = z.object({
  checkoutId: z.uuid({ error: 'The page is out of date. Reload it and try again.' }),
  chargerId: z.string().min(1).max(64),
  connectorId: z.coerce.number().int().min(1).max(99),
  amount: z.coerce
    .number({ error: 'Choose the most you want to pay.' })
    .int({ error: 'Choose the most you want to pay.' })
    .positive({ error: 'Choose the most you want to pay.' }),
});

export type CheckoutFormState =
  | { status: 'idle' }
  | { status: 'invalid' | 'failed'; message: string };
