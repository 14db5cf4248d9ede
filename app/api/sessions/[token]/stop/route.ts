import { jsonError, jsonOk } from '@/app/_lib/http';
import { getRuntime } from '@/lib/runtime/registry';

// POST /api/sessions/{token}/stop – the driver stops charging (or cancels before it started).
export async function POST(_request: Request, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const result = await getRuntime().charging.requestStop(token);
  return result.ok ? jsonOk(result.view) : jsonError(result.status, result.message);
}
