import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // These run natively in the custom server process (WASM Postgres, sockets,
  // fetch interception); bundling them would create second copies.
  serverExternalPackages: ['@electric-sql/pglite', 'pg', 'ocpp-rpc', 'msw', '@vippsmobilepay/sdk'],
  poweredByHeader: false,
  devIndicators: false,
  typedRoutes: false,
};

export default nextConfig;
