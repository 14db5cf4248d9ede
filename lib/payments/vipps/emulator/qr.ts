import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Clock } from '@/lib/clock';
import type { Db } from '@/lib/db/client';
import { ok, qrProblem, type EmulatorResponse } from './problems';
import { emulatorQrCodes } from './schema';

/**
 * QR API v1 merchant-redirect codes. The real service hosts the images and
 * the scannable link on qr.vipps.no; the emulator serves both from our own
 * app under /api/dev/vipps/qr/{id}/… so a printed demo sticker still works.
 */

const ID_PATTERN = /^[-_+%æøåÆØÅ\w\s]*$/;
const REDIRECT_PATTERN = /^https:\/\/[\w.]+([\w#!:.?+=&%@\-/]+)?$/;
// Vipps takes only https. The emulator also takes http on loopback so the local demo can print
// codes for http://localhost: a deliberate deviation, like the one for webhook URLs.
const LOCAL_REDIRECT_PATTERN = /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/[\w#!:.?+=&%@\-/]*)?$/;
export const DEFAULT_PNG_SIZE = 1024;

const createBody = z.object({
  id: z.string().min(1).max(128),
  redirectUrl: z.string(),
  ttl: z.number().int().min(300).max(2_147_483_647).optional(),
});
const updateBody = z.object({ redirectUrl: z.string() });

export type QrImageFormat = 'svg' | 'png';
type QrFormat = QrImageFormat | 'target';

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

const unsupportedAccept = () =>
  qrProblem(415, 'Unsupported Accept header: use image/*, image/svg+xml, image/png or text/targetUrl', [
    { name: 'Accept', reason: 'unsupported media type' },
  ]);

export function createQrRegistry(ctx: { db: Db; clock: Clock; msn: string; publicBaseUrl: string }) {
  const { db, clock, msn } = ctx;
  const base = (id: string) => `${ctx.publicBaseUrl}/api/dev/vipps/qr/${encodeURIComponent(id)}`;

  /** The link the printed code carries; scanning it redirects to redirectUrl. */
  const targetUrl = (id: string) => `${base(id)}/scan`;

  function view(row: typeof emulatorQrCodes.$inferSelect, format: QrFormat, size: number | undefined) {
    const expiresIn = row.expiresAt ? Math.max(0, Math.floor((row.expiresAt.getTime() - clock.now().getTime()) / 1000)) : -1;
    const url =
      format === 'target'
        ? targetUrl(row.id)
        : `${base(row.id)}/image?format=${format}${format === 'png' ? `&size=${size ?? DEFAULT_PNG_SIZE}` : ''}`;
    return { id: row.id, url, redirectUrl: row.redirectUrl, expiresIn };
  }

  async function find(id: string) {
    const [row] = await db.select().from(emulatorQrCodes).where(and(eq(emulatorQrCodes.id, id), eq(emulatorQrCodes.msn, msn)));
    if (row?.expiresAt && row.expiresAt <= clock.now()) {
      await db.delete(emulatorQrCodes).where(eq(emulatorQrCodes.id, id));
      return undefined;
    }
    return row;
  }

  /** The Size header: 100–2000 px, PNG only (an SVG scales). */
  function parseSize(size: string | null): { size?: number } | EmulatorResponse {
    if (size === null) return {};
    const n = Number(size);
    if (!Number.isInteger(n) || n < 100 || n > 2000) {
      return qrProblem(400, 'Size must be between 100 and 2000', [{ name: 'Size', reason: 'out of range' }]);
    }
    return { size: n };
  }

  async function create(rawBody: unknown, accept: string | null, sizeHeader: string | null): Promise<EmulatorResponse> {
    const format = formatFor(accept);
    if (!format) return unsupportedAccept();
    const size = parseSize(sizeHeader);
    if ('status' in size) return size;
    const parsed = createBody.safeParse(rawBody);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return qrProblem(400, 'Invalid request', [{ name: issue?.path.join('.') || 'body', reason: issue?.message ?? 'invalid' }]);
    }
    const { id, redirectUrl, ttl } = parsed.data;
    if (!ID_PATTERN.test(id)) return qrProblem(400, 'Invalid id', [{ name: 'id', reason: 'must match ^[-_+%æøåÆØÅ\\w\\s]*$' }]);
    if (!redirectUrlIsValid(redirectUrl)) {
      return qrProblem(400, 'Invalid redirectUrl', [{ name: 'redirectUrl', reason: 'must be an https URL' }]);
    }
    if (await find(id)) return { status: 409, body: { id } };
    const now = clock.now();
    const [row] = await db
      .insert(emulatorQrCodes)
      .values({ id, msn, redirectUrl, createdAt: now, expiresAt: ttl ? new Date(now.getTime() + ttl * 1000) : null })
      .returning();
    return ok(view(row!, format, size.size));
  }

  async function get(id: string, accept: string | null, sizeHeader: string | null): Promise<EmulatorResponse> {
    const format = formatFor(accept);
    if (!format) return unsupportedAccept();
    const size = parseSize(sizeHeader);
    if ('status' in size) return size;
    const row = await find(id);
    return row ? ok(view(row, format, size.size)) : qrProblem(404, `QR code ${id} not found`);
  }

  async function list(accept: string | null): Promise<EmulatorResponse> {
    const format = formatFor(accept);
    if (!format) return unsupportedAccept();
    const rows = await db.select().from(emulatorQrCodes).where(eq(emulatorQrCodes.msn, msn)).orderBy(asc(emulatorQrCodes.id));
    const now = clock.now();
    return ok(rows.filter((r) => !r.expiresAt || r.expiresAt > now).map((r) => view(r, format, undefined)));
  }

  async function update(id: string, rawBody: unknown, accept: string | null): Promise<EmulatorResponse> {
    const format = formatFor(accept);
    if (!format) return unsupportedAccept();
    const parsed = updateBody.safeParse(rawBody);
    if (!parsed.success || !redirectUrlIsValid(parsed.data.redirectUrl)) {
      return qrProblem(400, 'Invalid redirectUrl', [{ name: 'redirectUrl', reason: 'must be an https URL' }]);
    }
    if (!(await find(id))) return qrProblem(404, `QR code ${id} not found`);
    const [row] = await db
      .update(emulatorQrCodes)
      .set({ redirectUrl: parsed.data.redirectUrl })
      .where(and(eq(emulatorQrCodes.id, id), eq(emulatorQrCodes.msn, msn)))
      .returning();
    return ok(view(row!, format, undefined));
  }

  async function remove(id: string): Promise<EmulatorResponse> {
    if (!(await find(id))) return qrProblem(404, `QR code ${id} not found`);
    await db.delete(emulatorQrCodes).where(and(eq(emulatorQrCodes.id, id), eq(emulatorQrCodes.msn, msn)));
    return ok({});
  }

  /** Where a scan of this code lands (the emulator's stand-in for qr.vipps.no); undefined once deleted. */
  async function resolveScan(id: string): Promise<string | undefined> {
    return (await find(id))?.redirectUrl;
  }

  return { create, get, list, update, remove, resolveScan, targetUrl };
}

export type QrRegistry = ReturnType<typeof createQrRegistry>;
