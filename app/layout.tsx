import type { Metadata, Viewport } from 'next';
import './globals.css';

export const metadata: Metadata = {
  title: 'Charge and pay with Vipps MobilePay',
  description: 'Scan the charger, pay with Vipps MobilePay, charge, and pay exactly for the energy you used.',
};

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
  themeColor: '#ff5b24',
};

export default function RootLayout({ children }: Readonly<{ children: React.ReactNode }>) {
  return (
    <html lang="en">
      <body className="min-h-dvh bg-slate-100 text-slate-900 antialiased">
        <div className="mx-auto flex min-h-dvh max-w-md flex-col bg-white shadow-sm">{children}</div>
      </body>
    </html>
  );
}
