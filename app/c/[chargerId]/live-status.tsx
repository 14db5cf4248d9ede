'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { StatusBadge } from '@/app/_components/status-badge';

/** Keeps the connector status fresh while the driver reads the page; a change re-renders the page. */
export function LiveStatus({ chargerId, initial }: { chargerId: string; initial: string }) {
  const [status, setStatus] = useState(initial);
  const router = useRouter();
  const shown = useRef(initial);
  useEffect(() => {
    let active = true;
    const tick = async () => {
      try {
        const response = await fetch(`/api/chargers/${encodeURIComponent(chargerId)}`, { cache: 'no-store' });
        if (!response.ok || !active) return;
        const next = ((await response.json()) as { connectorStatus: string }).connectorStatus;
        if (next !== shown.current) {
          shown.current = next;
          setStatus(next);
          router.refresh();
        }
      } catch {
        // Offline for a moment: keep the last known status.
      }
    };
    const timer = setInterval(tick, 4000);
    return () => {
      active = false;
      clearInterval(timer);
    };
  }, [chargerId, router]);
  return <StatusBadge status={status} />;
}
