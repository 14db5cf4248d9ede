import type { NextRequest } from 'next/server';
import { jsonError, jsonOk } from '@/app/_lib/http';
import { getRuntime } from '@/lib/runtime/registry';

export const dynamic = 'force-dynamic';

// GET /api/sessions/{token} – the driver's session as the page shows it (polled every 2 s).
export async function GET(request: NextRequest, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const waiting = request.nextUrl.searchParams.get('waiting') === '1';
  const view = await getRuntime().charging.sessionView(token, { driverIsWaiting: waiting });
  return view ? jsonOk(view) : jsonError(404, 'No such charging session.');
}
