import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Clock } from '@/lib/clock';
import type { Db } from '@/lib/db/client';
import { ok, problem, type EmulatorResponse } from './problems';
import { emulatorQrCodes } from './schema';

/**
 * QR API v1 merchant-redirect codes. The real service hosts the images and
 * the scannable link on qr.vipps.no; the emulator serves both from our own
 * app under /api/dev/vipps/qr/… so a printed demo sticker still works.
 */

const ID_PATTERN = /^[-_+%æøåÆØÅ\w\s]*$/;
const REDIRECT_PATTERN = /^https:\/\/[\w.]+([\w#!:.?+=&%@\-/]+)?$/;
// The same allowance the emulator makes for returnUrl: plain http on loopback for local runs.
const LOCAL_REDIRECT_PATTERN = /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/[\w#!:.?+=&%@\-/]*)?$/;

const createBody = z.object({
  id: z.string().min(1).max(128),
  redirectUrl: z.string(),
  ttl: z.number().int().min(300).max(2_147_483_647).optional(),
});
const updateBody = z.object({ redirectUrl: z.string() });

type QrFormat = 'svg' | 'png' | 'target';

function formatFor(accept: string | null): QrFormat | undefined {
  const value = (accept ?? '').toLowerCase();
  if (value.includes('text/targeturl')) return 'target';
  if (value.includes('image/png')) return 'png';
  if (value.includes('image/svg+xml') || value.includes('image/*')) return 'svg';
  return undefined;
}

function redirectUrlIsValid(url: string): boolean {
  return REDIRECT_PATTERN.test(url) || LOCAL_REDIRECT_PATTERN.test(url);
}

export function createQrRegistry(ctx: { db: Db; clock: Clock; msn: string; publicBaseUrl: string }) {
  const { db, clock, msn } = ctx;

  /** The link the printed code carries; scanning it redirects to redirectUrl. */
  const targetUrl = (id: string) => `${ctx.publicBaseUrl}/api/dev/vipps/qr/${encodeURIComponent(id)}/scan`;

  function view(row: typeof emulatorQrCodes.$inferSelect, format: QrFormat, size: string | null) {
    const expiresIn = row.expiresAt ? Math.max(0, Math.floor((row.expiresAt.getTime() - clock.now().getTime()) / 1000)) : -1;
    const imageUrl =
      format === 'target'
        ? targetUrl(row.id)
        : `${ctx.publicBaseUrl}/api/dev/vipps/qr/${encodeURIComponent(row.id)}/image.${format}${size ? `?size=${size}` : ''}`;
    return { id: row.id, url: imageUrl, redirectUrl: row.redirectUrl, expiresIn };
  }

  async function find(id: string) {
    const [row] = await db.select().from(emulatorQrCodes).where(and(eq(emulatorQrCodes.id, id), eq(emulatorQrCodes.msn, msn)));
    if (row?.expiresAt && row.expiresAt <= clock.now()) {
      await db.delete(emulatorQrCodes).where(eq(emulatorQrCodes.id, id));
      return undefined;
    }
    return row;
  }

  function checkSize(size: string | null): EmulatorResponse | undefined {
    if (size === null) return undefined;
    const n = Number(size);
    if (!Number.isInteger(n) || n < 100 || n > 2000) return problem(400, 'Size must be between 100 and 2000');
    return undefined;
  }

  async function create(rawBody: unknown, accept: string | null, size: string | null): Promise<EmulatorResponse> {
    const format = formatFor(accept);
    if (!format) return problem(415, 'Unsupported Accept header: use image/*, image/svg+xml, image/png or text/targetUrl');
    const sizeProblem = checkSize(size);
    if (sizeProblem) return sizeProblem;
    const parsed = createBody.safeParse(rawBody);
    if (!parsed.success) return problem(400, `Invalid request: ${parsed.error.issues[0]?.path.join('.')}`);
    const { id, redirectUrl, ttl } = parsed.data;
    if (!ID_PATTERN.test(id)) return problem(400, 'Invalid id');
    if (!redirectUrlIsValid(redirectUrl)) return problem(400, 'Invalid redirectUrl: must be https');
    if (await find(id)) return { status: 409, body: { id } };
    const now = clock.now();
    const [row] = await db
      .insert(emulatorQrCodes)
      .values({ id, msn, redirectUrl, createdAt: now, expiresAt: ttl ? new Date(now.getTime() + ttl * 1000) : null })
      .returning();
    return ok(view(row!, format, size));
  }

  async function get(id: string, accept: string | null, size: string | null): Promise<EmulatorResponse> {
    const format = formatFor(accept);
    if (!format) return problem(415, 'Unsupported Accept header');
    const sizeProblem = checkSize(size);
    if (sizeProblem) return sizeProblem;
    const row = await find(id);
    return row ? ok(view(row, format, size)) : problem(404, 'QR code not found');
  }

  async function list(accept: string | null): Promise<EmulatorResponse> {
    const format = formatFor(accept) ?? 'svg';
    const rows = await db.select().from(emulatorQrCodes).where(eq(emulatorQrCodes.msn, msn)).orderBy(asc(emulatorQrCodes.id));
    const now = clock.now();
    return ok(rows.filter((r) => !r.expiresAt || r.expiresAt > now).map((r) => view(r, format, null)));
  }

  async function update(id: string, rawBody: unknown, accept: string | null): Promise<EmulatorResponse> {
    const format = formatFor(accept);
    if (!format) return problem(415, 'Unsupported Accept header');
    const parsed = updateBody.safeParse(rawBody);
    if (!parsed.success || !redirectUrlIsValid(parsed.data.redirectUrl)) return problem(400, 'Invalid redirectUrl');
    if (!(await find(id))) return problem(404, 'QR code not found');
    const [row] = await db
      .update(emulatorQrCodes)
      .set({ redirectUrl: parsed.data.redirectUrl })
      .where(eq(emulatorQrCodes.id, id))
      .returning();
    return ok(view(row!, format, null));
  }

  async function remove(id: string): Promise<EmulatorResponse> {
    if (!(await find(id))) return problem(404, 'QR code not found');
    await db.delete(emulatorQrCodes).where(eq(emulatorQrCodes.id, id));
    return ok({});
  }

  /** Where a scan of this code lands (the emulator's stand-in for qr.vipps.no). */
  async function resolveScan(id: string): Promise<string | undefined> {
    return (await find(id))?.redirectUrl;
  }

  return { create, get, list, update, remove, resolveScan, targetUrl };
}
