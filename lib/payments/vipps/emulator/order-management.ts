import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Clock } from '@/lib/clock';
import type { Db } from '@/lib/db/client';
import { ok, problem, type EmulatorResponse } from './problems';
import { emulatorReceipts } from './schema';

/**
 * Order Management API v2 receipts, as the emulator serves them: one
 * receipt per order, write-once (a second POST is a 409), and each line's
 * tax arithmetic checked (the real API answers 400 when
 * totalAmount − totalAmountExcludingTax ≠ totalTaxAmount).
 */

const minor = z.number().int().min(0);

const orderLineSchema = z
  .object({
    name: z.string().min(1),
    id: z.string().min(1),
    totalAmount: minor,
    totalAmountExcludingTax: minor,
    totalTaxAmount: minor,
    taxRate: z.number().int().min(0).max(10_000).optional(),
    taxPercentage: z.number().int().min(0).max(100).optional(),
    unitInfo: z
      .object({
        unitPrice: minor.nullable(),
        quantity: z
          .string()
          .max(10)
          .regex(/^\d+([.]\d{1,8})?$/),
        quantityUnit: z.enum(['PCS', 'KG', 'KM', 'MINUTE', 'LITRE', 'KWH']).optional(),
      })
      .optional(),
    discount: minor.nullable().optional(),
    productUrl: z.string().nullable().optional(),
    isReturn: z.boolean().optional(),
    isShipping: z.boolean().optional(),
  })
  .refine((line) => line.taxRate !== undefined || line.taxPercentage !== undefined, {
    message: 'taxRate or taxPercentage is required',
  });

const receiptSchema = z.object({
  orderLines: z.array(orderLineSchema).min(1),
  bottomLine: z
    .object({
      currency: z.enum(['NOK', 'DKK', 'EUR']),
      tipAmount: minor.optional(),
      posId: z.string().optional(),
      receiptNumber: z.string().optional(),
    })
    .passthrough(),
});

const ORDER_ID = /^[0-9A-Za-z\-_.]+$/;
const PAYMENT_TYPES = new Set(['ECOM', 'RECURRING']);

export function createOrderManagement(ctx: { db: Db; clock: Clock }) {
  const { db, clock } = ctx;

  async function postReceipt(paymentType: string, orderId: string, rawBody: unknown): Promise<EmulatorResponse> {
    // The spec's enum is upper case; whether Vipps also takes `ecom` is unconfirmed, so the emulator does not.
    const type = paymentType;
    if (!PAYMENT_TYPES.has(type)) return problem(400, `Unknown paymentType ${paymentType}: use ECOM or RECURRING`);
    if (!ORDER_ID.test(orderId)) return problem(400, 'Invalid orderId');
    const parsed = receiptSchema.safeParse(rawBody);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return problem(400, `Invalid receipt: ${issue?.path.join('.')}: ${issue?.message}`);
    }
    const badLine = parsed.data.orderLines.findIndex(
      (l) => l.totalAmount - l.totalAmountExcludingTax !== l.totalTaxAmount,
    );
    if (badLine >= 0) {
      return problem(
        400,
        `orderLines[${badLine}]: total amount - total amount excluding tax don't match order line total tax amount`,
      );
    }
    const inserted = await db
      .insert(emulatorReceipts)
      .values({ orderId, paymentType: type, receipt: parsed.data as Record<string, unknown>, createdAt: clock.now() })
      .onConflictDoNothing()
      .returning({ orderId: emulatorReceipts.orderId });
    if (inserted.length === 0) {
      await db
        .update(emulatorReceipts)
        .set({ postAttempts: sql`${emulatorReceipts.postAttempts} + 1` })
        .where(eq(emulatorReceipts.orderId, orderId));
      return problem(409, 'A receipt already exists for this order');
    }
    return ok(randomUUID(), 201);
  }

  async function getOrder(paymentType: string, orderId: string): Promise<EmulatorResponse> {
    const [row] = await db.select().from(emulatorReceipts).where(eq(emulatorReceipts.orderId, orderId));
    if (!row || row.paymentType !== paymentType) return problem(404, 'Order not found');
    return ok({ category: null, receipt: row.receipt });
  }

  async function receiptLedger(orderId: string) {
    const [row] = await db.select().from(emulatorReceipts).where(eq(emulatorReceipts.orderId, orderId));
    return row;
  }

  return { postReceipt, getOrder, receiptLedger };
}
